// The Name popup of "Create new key": validation as the service does it,
// the request, then the credentials popup with the new Secret ID.

import { ApiError, createKey } from './api.js';
import * as credentials from './credentials.js';
import * as dialogs from './dialogs.js';
import { byId, show } from './dom.js';
import { nameProblem } from './format.js';
import * as keys from './keys.js';

const dialog = byId('name-dialog');
const form = byId('name-form');
const input = byId('key-name');
const fieldError = byId('key-name-error');
const requestError = byId('name-dialog-error');
const submit = byId('name-submit');
const cancel = byId('name-cancel');

let busy = false;
let onCreated = () => {};

dialogs.setup(dialog, { canClose: () => !busy, onClose: resetForm });
cancel.addEventListener('click', () => dialogs.close(dialog));
form.addEventListener('submit', (event) => {
  event.preventDefault();
  create();
});
input.addEventListener('input', () => {
  if (input.getAttribute('aria-invalid') === 'true') {
    setFieldError(nameProblem(input.value.trim()));
  }
});

/** start opens the Name popup; created runs with the new key's Name. */
export function start(opener, created) {
  onCreated = created;
  resetForm();
  dialogs.open(dialog, input, opener);
}

async function create() {
  if (busy) {
    return;
  }
  const name = input.value.trim();
  const problem = nameProblem(name);
  setFieldError(problem);
  if (problem !== '') {
    input.focus();
    return;
  }
  setBusy(true);
  show(requestError, false);
  let created;
  try {
    created = await createKey(name);
  } catch (err) {
    setBusy(false);
    if (!(err instanceof ApiError) || err.kind === 'unauthorized') {
      return; // signed out meanwhile: the page shows why
    }
    requestError.textContent = err.message;
    show(requestError);
    input.focus();
    return;
  }
  setBusy(false);
  const opener = byId('create-key');
  dialogs.setOpener(dialog, opener);
  dialogs.close(dialog);
  credentials.reveal('Your new API key', created, opener);
  keys.prepend(created);
  onCreated(created.name);
}

function setFieldError(message) {
  fieldError.textContent = message;
  if (message === '') {
    input.removeAttribute('aria-invalid');
  } else {
    input.setAttribute('aria-invalid', 'true');
  }
}

function setBusy(on) {
  busy = on;
  input.readOnly = on;
  submit.disabled = on;
  cancel.disabled = on;
  submit.textContent = on ? 'Creating…' : 'Create key';
  dialog.setAttribute('aria-busy', String(on));
}

function resetForm() {
  form.reset();
  setFieldError('');
  show(requestError, false);
  requestError.textContent = '';
}
