// The API Keys page: sign-in from the console link's fragment, the three
// views (loading, signed out, keys), and the wiring of the page's parts.

import { deleteKey, endSession, rotateKey, whenUnauthorized } from './api.js';
import * as confirm from './confirm.js';
import * as create from './create.js';
import * as credentials from './credentials.js';
import * as dialogs from './dialogs.js';
import { byId, show } from './dom.js';
import { formatClock } from './format.js';
import * as keys from './keys.js';
import { claims, forget, takeTokenFromAddress } from './session.js';

const views = {
  loading: byId('view-loading'),
  signedOut: byId('view-signed-out'),
  keys: byId('view-keys'),
};
const pageError = byId('page-error');
const pageErrorText = byId('page-error-text');
const retry = byId('page-error-retry');
const notice = byId('page-notice');
const createButton = byId('create-key');

const SIGNED_OUT_TEXT = {
  expired: 'This console link has expired or was revoked. Ask for a new link.',
  signedOut: 'You signed out. To use the console again, ask for a new console link.',
};

let retryAction = null;

function showView(name) {
  for (const [key, view] of Object.entries(views)) {
    show(view, key === name);
  }
}

function signOut(reason) {
  forget();
  dialogs.closeAll();
  keys.reset();
  hideError();
  notice.textContent = '';
  show(byId('session'), false);
  byId('signed-out-reason').textContent = SIGNED_OUT_TEXT[reason];
  showView('signedOut');
  byId('signed-out-title').focus();
}

async function signIn() {
  dialogs.closeAll();
  hideError();
  notice.textContent = '';
  const session = claims();
  byId('account-name').textContent = session.account || 'unknown';
  show(byId('session'));
  byId('session-note').textContent = session.expiresAt
    ? `This console link works until ${formatClock(session.expiresAt)}. `
      + 'Reloading the page signs you out.'
    : 'Reloading the page signs you out.';
  showView('keys');
  await loadKeys();
}

async function loadKeys() {
  hideError();
  try {
    await keys.loadFirstPage();
  } catch (err) {
    failed(err, loadKeys);
  }
}

async function loadMore() {
  hideError();
  try {
    await keys.loadMore();
  } catch (err) {
    failed(err, loadMore);
  }
}

// failed shows an error above the table, with "Try again" when again is set.
function failed(err, again) {
  if (err && err.kind === 'unauthorized') {
    return; // the signed-out page says why
  }
  pageErrorText.textContent = err && err.kind
    ? err.message
    : 'Something went wrong in the page. Reload it and sign in with a new link.';
  retryAction = again || null;
  show(retry, Boolean(again));
  show(pageError);
}

function hideError() {
  show(pageError, false);
  pageErrorText.textContent = '';
  retryAction = null;
}

function announce(text) {
  notice.textContent = text;
}

function askRotate(key, opener) {
  confirm.ask({
    heading: 'Rotate Secret ID?',
    before: 'A new Secret ID replaces the current one of ',
    after: ' at once: applications that use the current Secret ID cannot get new '
      + 'tokens until you give them the new one. Tokens already issued keep working '
      + 'until they expire.',
    action: 'Rotate Secret ID',
    busyLabel: 'Rotating…',
    danger: false,
    key,
    opener,
    request: () => rotateKey(key.clientId),
    done: (rotated) => {
      credentials.reveal('New Secret ID', rotated, opener);
      keys.replace(rotated);
      announce(`Secret ID of key “${rotated.name}” rotated.`);
    },
    failed: keyGone(key),
  });
}

function askDelete(key, opener) {
  confirm.ask({
    heading: 'Delete key?',
    before: 'Delete ',
    after: '? Applications that use it stop working at once: every token issued to '
      + 'it is revoked. This cannot be undone.',
    action: 'Delete key',
    busyLabel: 'Deleting…',
    danger: true,
    key,
    opener,
    request: () => deleteKey(key.clientId),
    done: () => {
      keys.remove(key.clientId);
      announce(`Key “${key.name}” deleted.`);
    },
    failed: keyGone(key),
  });
}

function keyGone(key) {
  return (err) => {
    keys.remove(key.clientId);
    failed(err, null);
  };
}

async function signOutClicked() {
  try {
    await endSession();
  } catch {
    // Offline or already ended: the token is forgotten here either way.
  }
  signOut('signedOut');
}

function wire() {
  whenUnauthorized(() => signOut('expired'));
  keys.onAction('rotate', askRotate);
  keys.onAction('delete', askDelete);
  createButton.addEventListener('click', () => {
    create.start(createButton, (name) => announce(`Key “${name}” created.`));
  });
  byId('load-more').addEventListener('click', loadMore);
  byId('sign-out').addEventListener('click', signOutClicked);
  byId('page-error-dismiss').addEventListener('click', hideError);
  retry.addEventListener('click', () => {
    const again = retryAction;
    hideError();
    if (again) {
      again();
    }
  });
  // A new console link pasted into this tab changes only the fragment.
  window.addEventListener('hashchange', () => {
    const found = takeTokenFromAddress();
    if (found === true) {
      signIn();
    } else if (found === false) {
      signOut('expired');
    }
  });
  // Leaving the page ends the session, so that the back button cannot bring
  // a signed-in page (or a Secret ID) back from the browser's cache.
  window.addEventListener('pagehide', () => {
    if (credentials.isOpen() || views.keys.hidden === false) {
      signOut('expired');
    }
  });
}

wire();
if (takeTokenFromAddress() === true) {
  signIn();
} else {
  signOut('expired');
}
