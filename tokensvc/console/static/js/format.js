// Formatting and validation shared by the page's parts.

const dateTime = new Intl.DateTimeFormat(undefined, {
  dateStyle: 'medium',
  timeStyle: 'short',
});
const fullDateTime = new Intl.DateTimeFormat(undefined, {
  dateStyle: 'full',
  timeStyle: 'long',
});
const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });

/** formatTime shows an RFC 3339 time in the browser's locale and zone. */
export function formatTime(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '—' : dateTime.format(d);
}

/** formatFullTime is the long form, for tooltips. */
export function formatFullTime(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : fullDateTime.format(d);
}

/** formatClock shows only the time of day of a Date. */
export function formatClock(date) {
  return timeOnly.format(date);
}

const NAME_MAX = 100;

// A printable character is what Go's unicode.IsPrint accepts, as the token
// service does: letters, marks, numbers, punctuation, symbols and the
// ASCII space. Tabs, line breaks and other spaces are not printable.
const printable = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]*$/u;

/**
 * nameProblem checks a key Name as the service will (1 to 100 printable
 * characters, not only spaces) and returns a sentence for the person typing,
 * or '' when the Name is fine. Pass the trimmed Name.
 */
export function nameProblem(name) {
  if (name === '') {
    return 'Enter a name for the key.';
  }
  const length = [...name].length;
  if (length > NAME_MAX) {
    return `Use at most ${NAME_MAX} characters; this name has ${length}.`;
  }
  if (!printable.test(name)) {
    return 'Use only letters, digits, punctuation, symbols and spaces '
      + '(no tabs, line breaks or control characters).';
  }
  return '';
}
