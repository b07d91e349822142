/**
 * C0 and C1 control characters, DEL, line and paragraph separators, and the bidirectional
 * overrides and isolates: what could forge a line, colour a terminal or reorder text in a log.
 */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escape(character: string): string {
  const code = character.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * `text` as it may be written into a log line: control characters escaped (`\x1b`, `\u2028`)
 * and cut to `maxLength` characters. For any string a request supplied (ids, event types,
 * header values) or an error message that may quote one.
 */
export function printable(text: string, maxLength = 200): string {
  const cut = text.length > maxLength ? `${text.slice(0, maxLength)}…` : text;
  return cut.replace(UNPRINTABLE, escape);
}
