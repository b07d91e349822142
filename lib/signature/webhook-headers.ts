/** The three Standard Webhooks headers of one delivery, as sent. */
export interface WebhookSignatureHeaders {
  id: string;
  timestamp: string;
  signature: string;
}

/** Request headers as Node and the adapters give them: lower-case names. */
export type IncomingHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

function header(headers: IncomingHeaders, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' ? value : value?.[0];
}

/**
 * Reads the delivery id, timestamp and signature from `svix-*` headers, or else `webhook-*`
 * ones, field by field as the svix library does. Returns the names of any that are missing.
 */
export function readWebhookHeaders(headers: IncomingHeaders): WebhookSignatureHeaders | { missing: string[] } {
  const id = header(headers, 'svix-id') || header(headers, 'webhook-id');
  const timestamp = header(headers, 'svix-timestamp') || header(headers, 'webhook-timestamp');
  const signature = header(headers, 'svix-signature') || header(headers, 'webhook-signature');
  if (id && timestamp && signature) {
    return { id, timestamp, signature };
  }
  const missing = [!id && 'id', !timestamp && 'timestamp', !signature && 'signature'].filter(
    (name): name is string => typeof name === 'string',
  );
  return { missing: missing.map((name) => `webhook-${name} (or svix-${name})`) };
}
