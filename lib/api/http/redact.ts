/** What stands in for the API key wherever it would appear. */
const REDACTED = '[redacted]';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A function that replaces `secret` in a text, as is or URL-encoded, in any letter case (escapes
 * come as `%2F` or `%2f`), so `Bearer <key>` becomes `Bearer [redacted]`. For everything an API
 * that echoes its request may send back: error codes, messages, field names, cursors.
 */
export function redactor(secret: string): (text: string) => string {
  // Encoded as a path segment, a whole URL and a form or query value would encode it.
  const forms = new Set([secret, encodeURIComponent(secret), encodeURI(secret), new URLSearchParams({ s: secret }).toString().slice(2)]);
  // Longest first, so that no shorter form leaves the rest of a longer one behind.
  const pattern = new RegExp([...forms].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|'), 'gi');
  return (text) => text.replace(pattern, REDACTED);
}
