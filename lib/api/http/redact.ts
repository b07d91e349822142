/** What stands in for the API key wherever it would appear. */
export const REDACTED = '[redacted]';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A function that replaces `secret` in a text, as is or URL-encoded, in any letter case (so
 * `Bearer <key>` becomes `Bearer [redacted]`). For everything an API that echoes its input may
 * send back: error codes, messages, field names and their problems.
 */
export function redactor(secret: string): (text: string) => string {
  const forms = new Set([secret, encodeURIComponent(secret), encodeURI(secret), new URLSearchParams({ s: secret }).toString().slice(2)]);
  // Longest first, so that no shorter form leaves the rest of a longer one behind.
  const pattern = new RegExp([...forms].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|'), 'gi');
  return (text) => text.replace(pattern, REDACTED);
}
