// The table of the account's keys: loading pages, rendering rows, and the
// Rotate and Delete buttons of each row. Keys here never hold a Secret ID.

import { listKeys } from './api.js';
import { byId, el, show } from './dom.js';
import { formatFullTime, formatTime } from './format.js';

const table = byId('keys-table');
const body = byId('keys-body');
const empty = byId('keys-empty');
const loading = byId('keys-loading');
const more = byId('keys-more');
const moreButton = byId('load-more');

// Shown keys by Client ID, in display order. Pages may overlap with keys
// created here, so the map also removes duplicates.
let keys = new Map();
let nextCursor = '';
let loaded = false;
let generation = 0;
let highlighted = '';

const handlers = { rotate: () => {}, delete: () => {} };

/** onAction sets what the Rotate and Delete buttons of a row do. */
export function onAction(name, fn) {
  handlers[name] = fn;
}

body.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-action]');
  if (!button) {
    return;
  }
  const key = keys.get(button.closest('tr').dataset.clientId);
  if (key) {
    handlers[button.dataset.action](key, button);
  }
});

/** reset empties the table (sign-out or a new session). */
export function reset() {
  generation += 1;
  keys = new Map();
  nextCursor = '';
  loaded = false;
  highlighted = '';
  render();
}

/**
 * loadFirstPage shows the first page of keys. It throws an ApiError when
 * the page cannot be read; a newer session's load wins over an older one.
 */
export async function loadFirstPage() {
  reset();
  const mine = generation;
  show(loading);
  table.setAttribute('aria-busy', 'true');
  try {
    const page = await listKeys('');
    if (mine !== generation) {
      return;
    }
    add(page);
    loaded = true;
  } finally {
    if (mine === generation) {
      show(loading, false);
      table.removeAttribute('aria-busy');
      render();
    }
  }
}

/** loadMore appends the next page and moves focus to its first key. */
export async function loadMore() {
  const mine = generation;
  const before = keys.size;
  moreButton.disabled = true;
  moreButton.textContent = 'Loading…';
  try {
    const page = await listKeys(nextCursor);
    if (mine !== generation) {
      return;
    }
    add(page);
  } finally {
    moreButton.disabled = false;
    moreButton.textContent = 'Load more';
    if (mine === generation) {
      render();
    }
  }
  if (more.hidden && keys.size > before) {
    body.rows[before].querySelector('.key-name').focus();
  }
}

/** prepend shows a new key first, highlighted. */
export function prepend(key) {
  keys = new Map([[key.clientId, key], ...keys]);
  highlighted = key.clientId;
  render();
}

/** replace updates a key in place (after a rotation). */
export function replace(key) {
  if (keys.has(key.clientId)) {
    keys.set(key.clientId, key);
    render();
  }
}

/** remove drops a deleted key. */
export function remove(clientId) {
  if (keys.delete(clientId)) {
    render();
  }
}

function add(page) {
  for (const key of page.keys || []) {
    if (!keys.has(key.clientId)) {
      keys.set(key.clientId, key);
    }
  }
  nextCursor = page.nextCursor || '';
}

function render() {
  body.replaceChildren(...[...keys.values()].map(row));
  show(table, keys.size > 0);
  show(empty, loaded && keys.size === 0);
  show(more, nextCursor !== '');
}

function row(key) {
  const rotate = el('button', {
    type: 'button',
    class: 'btn btn-secondary btn-small',
    'data-action': 'rotate',
    'aria-label': `Rotate key ${key.name}`,
    text: 'Rotate',
  });
  const remove = el('button', {
    type: 'button',
    class: 'btn btn-danger-quiet btn-small',
    'data-action': 'delete',
    'aria-label': `Delete key ${key.name}`,
    text: 'Delete',
  });
  return el('tr', {
    role: 'row',
    'data-client-id': key.clientId,
    class: key.clientId === highlighted ? 'is-new' : undefined,
  },
  el('th', { scope: 'row', role: 'rowheader', class: 'key-name', tabindex: '-1' },
    el('span', { text: key.name })),
  el('td', { role: 'cell', 'data-label': 'Client ID', class: 'key-client-id' },
    el('code', { text: key.clientId })),
  el('td', { role: 'cell', 'data-label': 'Created', class: 'key-time' }, when(key.createdAt)),
  el('td', { role: 'cell', 'data-label': 'Last used', class: 'key-time key-last-used' },
    key.lastUsedAt ? when(key.lastUsedAt) : el('span', { class: 'muted', text: 'Never' })),
  el('td', { role: 'cell', class: 'actions' }, rotate, remove));
}

function when(iso) {
  return el('time', { datetime: iso, title: formatFullTime(iso), text: formatTime(iso) });
}
