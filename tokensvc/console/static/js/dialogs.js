// Modal dialogs: opening with focus on the right control, Escape and the
// close buttons, and focus back to the control that opened the dialog.
// The browser's <dialog> keeps focus inside while it is open.

import { byId } from './dom.js';

const openers = new WeakMap();
const closers = new Map();

/**
 * setup prepares a dialog once: canClose may refuse Escape (while a
 * request runs); onClose runs as the dialog closes, however that happens,
 * before the browser's asynchronous close event.
 */
export function setup(dialog, { canClose = () => true, onClose = () => {} } = {}) {
  closers.set(dialog, onClose);
  dialog.addEventListener('cancel', (event) => {
    if (!canClose()) {
      event.preventDefault();
      return;
    }
    onClose(); // Escape: clear the dialog now, not a task later
  });
  dialog.addEventListener('close', () => {
    onClose();
    restoreFocus(dialog);
  });
}

/** open shows a dialog as a modal and focuses initial. */
export function open(dialog, initial, opener = document.activeElement) {
  openers.set(dialog, opener);
  if (!dialog.open) {
    dialog.showModal();
  }
  initial.focus();
}

/** close clears and closes a dialog if it is open. */
export function close(dialog) {
  if (dialog.open) {
    closers.get(dialog)();
    dialog.close();
  }
}

/** closeAll closes every dialog (sign-out): their onClose wipes them. */
export function closeAll() {
  for (const dialog of closers.keys()) {
    openers.delete(dialog);
    close(dialog);
  }
}

/** setOpener changes where focus goes when the dialog closes. */
export function setOpener(dialog, opener) {
  openers.set(dialog, opener);
}

function restoreFocus(dialog) {
  const opener = openers.get(dialog);
  openers.delete(dialog);
  if ([...closers.keys()].some((d) => d.open)) {
    return;
  }
  if (opener && opener.isConnected && !opener.disabled && !opener.closest('[hidden]')) {
    opener.focus();
    return;
  }
  const create = byId('create-key');
  if (!create.closest('[hidden]')) {
    create.focus();
  }
}
