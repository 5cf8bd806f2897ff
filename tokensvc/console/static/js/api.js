// The account key REST of the token service, on the same origin as the
// page. Every failure becomes an ApiError with a sentence a person can act
// on; a 401 also tells the page to sign out.

import { bearer } from './session.js';

// The REST lives next to the console: <base>/console/ → <base>/account/….
const base = new URL('../', document.baseURI);

const TIMEOUT_MS = 20000;

// PAGE_SIZE is how many keys one page (and one "Load more") asks for.
const PAGE_SIZE = 50;

/** ApiError is a failed call: kind is a short code, message is for people. */
export class ApiError extends Error {
  constructor(kind, status, message) {
    super(message);
    this.name = 'ApiError';
    this.kind = kind;
    this.status = status;
  }
}

let onUnauthorized = () => {};

/** whenUnauthorized sets what happens on any 401: the page signs out. */
export function whenUnauthorized(fn) {
  onUnauthorized = fn;
}

/** listKeys reads one page of the account's keys. */
export function listKeys(cursor) {
  const q = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (cursor) {
    q.set('cursor', cursor);
  }
  return call('GET', `account/keys?${q}`);
}

/**
 * createKey creates a key with the default scopes (none are sent). The
 * answer holds the Secret ID: hand it to the credentials popup only.
 */
export function createKey(name) {
  return call('POST', 'account/keys', { name });
}

/** rotateKey replaces a key's Secret ID; the old one stops working at once. */
export function rotateKey(clientId) {
  return call('POST', `account/keys/${encodeURIComponent(clientId)}/rotate`, {
    graceSeconds: 0,
  });
}

/** deleteKey deletes a key, which revokes every token issued to it. */
export function deleteKey(clientId) {
  return call('DELETE', `account/keys/${encodeURIComponent(clientId)}`);
}

/** endSession revokes the console link's own token (sign out). */
export function endSession() {
  return call('DELETE', 'account/token');
}

async function call(method, path, body) {
  const authorization = bearer();
  if (authorization === '') {
    onUnauthorized();
    throw new ApiError('unauthorized', 401, 'You are signed out.');
  }
  const headers = { Accept: 'application/json', Authorization: authorization };
  const init = {
    method,
    headers,
    cache: 'no-store',
    credentials: 'omit',
    redirect: 'error',
    referrerPolicy: 'no-referrer',
    signal: AbortSignal.timeout(TIMEOUT_MS),
  };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(new URL(path, base), init);
  } catch (err) {
    if (err && err.name === 'TimeoutError') {
      throw new ApiError('network', 0,
        'The service did not answer in time. Check your connection and try again.');
    }
    throw new ApiError('network', 0,
      'Cannot reach the service. Check your internet connection and try again.');
  }
  const data = await readJSON(res);
  if (res.ok) {
    return data;
  }
  if (res.status === 401) {
    onUnauthorized();
  }
  throw failure(res.status, data);
}

async function readJSON(res) {
  if (res.status === 204) {
    return null;
  }
  try {
    return await res.json();
  } catch {
    return null;
  }
}

function failure(status, data) {
  const detail = data && typeof data.message === 'string' ? data.message : '';
  switch (status) {
    case 400:
      return new ApiError('invalid', status, detail
        ? `The service refused this: ${sentence(detail)}`
        : 'The service refused this request.');
    case 401:
      return new ApiError('unauthorized', status,
        'This console link has expired or was revoked. Ask for a new link.');
    case 403:
      return new ApiError('forbidden', status,
        'This console link does not allow managing keys (the keys:manage scope '
        + 'is missing). Ask for a new link.');
    case 404:
      return new ApiError('not_found', status,
        'This key no longer exists. It may have been deleted in another window.');
    case 409:
      return new ApiError('conflict', status,
        'Someone changed this at the same time. Reload the list and try again.');
    case 429:
      return new ApiError('busy', status,
        'Too many requests in a short time. Wait a moment and try again.');
    case 503:
      return new ApiError('unavailable', status,
        'The service is temporarily unavailable. Please try again in a moment.');
    default:
      return new ApiError('server', status,
        `Something went wrong on our side (error ${status}). Please try again; `
        + 'if it keeps happening, contact support.');
  }
}

// sentence capitalises a service message and ends it with a full stop.
function sentence(text) {
  const t = text.trim();
  const first = t.charAt(0).toUpperCase() + t.slice(1);
  return /[.!?]$/.test(first) ? first : `${first}.`;
}
