// The credentials popup: Name, Client ID and the Secret ID of a key just
// created or rotated. The Secret ID exists on the page only while the popup
// is open: it is written into one element and taken out of the object that
// carried it; closing the popup, however it happens, empties that element.

import * as dialogs from './dialogs.js';
import { byId } from './dom.js';

const dialog = byId('credentials-dialog');
const title = byId('credentials-title');
const nameField = byId('cred-name');
const clientIdField = byId('cred-client-id');
const secretField = byId('cred-secret');
const copySecret = byId('copy-secret');
const copyButtons = [byId('copy-client-id'), copySecret];

const statusTimers = new Map();
const STATUS_MS = 4000;

dialogs.setup(dialog, { onClose: wipe });
byId('credentials-done').addEventListener('click', () => dialogs.close(dialog));
for (const button of copyButtons) {
  button.addEventListener('click', () => copy(button));
}

/**
 * reveal opens the popup for key, whose secretId it moves into the page
 * and deletes from the object. opener gets focus back on close.
 */
export function reveal(heading, key, opener) {
  title.textContent = heading;
  nameField.textContent = key.name;
  clientIdField.textContent = key.clientId;
  secretField.textContent = key.secretId;
  delete key.secretId;
  dialogs.open(dialog, copySecret, opener);
}

/** isOpen reports whether a Secret ID is on the page right now. */
export function isOpen() {
  return dialog.open;
}

function wipe() {
  clearSelectionIn(dialog);
  secretField.replaceChildren();
  clientIdField.replaceChildren();
  nameField.replaceChildren();
  for (const button of copyButtons) {
    setStatus(button, '');
  }
}

async function copy(button) {
  const source = byId(button.dataset.copy);
  let copied = false;
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(source.textContent);
      copied = true;
    } catch {
      copied = false;
    }
  }
  if (!dialog.open) {
    return; // closed while the clipboard was busy: nothing to confirm
  }
  if (!copied) {
    // No clipboard access (plain HTTP, or permission refused): select the
    // text so that the person can copy it with the keyboard.
    selectContents(source);
    copied = legacyCopy();
  }
  setStatus(button, copied ? 'Copied' : 'Selected: press Ctrl+C (⌘C) to copy');
}

function setStatus(button, text) {
  const status = byId(button.dataset.status);
  status.textContent = text;
  button.classList.toggle('is-copied', text === 'Copied');
  clearTimeout(statusTimers.get(button));
  if (text !== '') {
    statusTimers.set(button, setTimeout(() => setStatus(button, ''), STATUS_MS));
  }
}

function selectContents(node) {
  const range = document.createRange();
  range.selectNodeContents(node);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}

// legacyCopy copies the current selection where the asynchronous clipboard
// is missing; it reports false when the browser refuses.
function legacyCopy() {
  try {
    return document.execCommand('copy');
  } catch {
    return false;
  }
}

function clearSelectionIn(node) {
  const selection = window.getSelection();
  if (selection && selection.rangeCount > 0 && node.contains(selection.anchorNode)) {
    selection.removeAllRanges();
  }
}
