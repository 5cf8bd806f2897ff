// The confirmation popup of Rotate and Delete: it names the key, runs the
// request while the person waits, and shows a failure inside the popup so
// that they can try again or cancel.

import { ApiError } from './api.js';
import * as dialogs from './dialogs.js';
import { byId, el, show } from './dom.js';

const dialog = byId('confirm-dialog');
const title = byId('confirm-title');
const text = byId('confirm-text');
const clientId = byId('confirm-client-id');
const error = byId('confirm-error');
const ok = byId('confirm-ok');
const cancel = byId('confirm-cancel');

let busy = false;
let current = null;

dialogs.setup(dialog, {
  canClose: () => !busy,
  onClose: () => {
    current = null;
    show(error, false);
  },
});
cancel.addEventListener('click', () => dialogs.close(dialog));
ok.addEventListener('click', () => run());

/**
 * ask opens the popup for key. request performs the action and returns its
 * result; done then gets it, after the popup has closed. failed gets an
 * ApiError when it should close the popup (the key is gone); other errors
 * stay in the popup.
 */
export function ask({ heading, before, after, action, busyLabel, danger, key, opener,
  request, done, failed }) {
  title.textContent = heading;
  text.replaceChildren(before, el('strong', { text: key.name }), after);
  clientId.textContent = key.clientId;
  ok.textContent = action;
  ok.className = danger ? 'btn btn-danger' : 'btn btn-primary';
  show(error, false);
  current = { action, busyLabel, request, done, failed };
  dialogs.open(dialog, cancel, opener);
}

async function run() {
  if (busy || current === null) {
    return;
  }
  const step = current;
  setBusy(true, step);
  let result;
  try {
    result = await step.request();
  } catch (err) {
    setBusy(false, step);
    if (!(err instanceof ApiError) || err.kind === 'unauthorized') {
      return;
    }
    if (err.kind === 'not_found') {
      dialogs.close(dialog);
      step.failed(err);
      return;
    }
    error.textContent = err.message;
    show(error);
    ok.focus();
    return;
  }
  setBusy(false, step);
  dialogs.close(dialog);
  step.done(result);
}

function setBusy(on, step) {
  busy = on;
  ok.disabled = on;
  cancel.disabled = on;
  ok.textContent = on ? step.busyLabel : step.action;
  dialog.setAttribute('aria-busy', String(on));
}
