// Small DOM helpers. Text always goes in through textContent, never as
// HTML, so a key's Name can hold anything without becoming markup.

/** byId returns the element with the id, or throws: a missing element is a bug. */
export function byId(id) {
  const el = document.getElementById(id);
  if (!el) {
    throw new Error(`console page has no element #${id}`);
  }
  return el;
}

/**
 * el builds an element with attributes and children (nodes or strings).
 * Attributes named "text" set textContent; "class" sets className.
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) {
      continue;
    }
    if (name === 'text') {
      node.textContent = value;
    } else if (name === 'class') {
      node.className = value;
    } else {
      node.setAttribute(name, value === true ? '' : String(value));
    }
  }
  for (const child of children) {
    node.append(child);
  }
  return node;
}

/** show shows or hides a node through its hidden attribute. */
export function show(node, visible = true) {
  node.hidden = !visible;
}
