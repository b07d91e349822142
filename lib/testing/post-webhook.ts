import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** What a webhook receiver answered. */
export interface WebhookHttpResponse {
  status: number;
  /** The response body as text. */
  text: string;
}

/** The platform gives up on an endpoint after about 15 s; a local sender waits as long. */
export const WEBHOOK_TIMEOUT_MS = 15_000;

/**
 * POSTs exactly `body` with `headers`, as the platform does, over a connection of its own
 * (no keep-alive, so a test server can close at once). Rejects on network errors and timeouts.
 */
export function postWebhook(
  url: string | URL,
  body: string,
  headers: Readonly<Record<string, string>>,
  timeoutMs = WEBHOOK_TIMEOUT_MS,
): Promise<WebhookHttpResponse> {
  const target = new URL(url);
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    return Promise.reject(new Error(`Cannot deliver to ${target.protocol} URLs; use http: or https:`));
  }
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      target,
      {
        method: 'POST',
        agent: false,
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`No answer from ${target.origin} within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
