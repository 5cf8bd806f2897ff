// The sign-in token of a console link. It lives in this module's memory
// only: never in web storage, cookies or the address bar, so reloading the
// page or closing the tab ends the session.

let token = '';

/**
 * takeTokenFromAddress looks for "#token=…" in the address. When it is
 * there, it removes the fragment from the address bar and the history entry
 * at once, keeps the token in memory and returns whether the token is not
 * empty. It returns null when the address holds no token at all (an
 * in-page link such as "#main" leaves the session alone).
 */
export function takeTokenFromAddress() {
  const params = new URLSearchParams(window.location.hash.replace(/^#/, ''));
  if (!params.has('token')) {
    return null;
  }
  const clean = window.location.pathname + window.location.search;
  window.history.replaceState(null, '', clean);
  token = (params.get('token') || '').trim();
  return token !== '';
}

/** bearer is the Authorization header value, or '' when signed out. */
export function bearer() {
  return token === '' ? '' : `Bearer ${token}`;
}

/** forget drops the token: the page is signed out. */
export function forget() {
  token = '';
}

/**
 * claims reads what the page shows about the session (account and expiry)
 * from the token's payload. The signature is not checked here: the service
 * checks the token on every call, and these values are only displayed.
 */
export function claims() {
  const parts = token.split('.');
  if (parts.length !== 3) {
    return { account: '', expiresAt: null };
  }
  try {
    const b64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    const padded = b64 + '='.repeat((4 - (b64.length % 4)) % 4);
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    const payload = JSON.parse(new TextDecoder().decode(bytes));
    const account = typeof payload.account === 'string' ? payload.account : '';
    const exp = Number(payload.exp);
    return { account, expiresAt: Number.isFinite(exp) ? new Date(exp * 1000) : null };
  } catch {
    return { account: '', expiresAt: null };
  }
}
