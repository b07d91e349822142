import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** What an endpoint answered to one delivery. */
export interface DeliveryAnswer {
  status: number;
  headers: Record<string, string>;
  /** The start of the answer's body. */
  text: string;
}

/** Thrown when a delivery got no answer in time. */
export class DeliveryTimeoutError extends Error {}

/**
 * POSTs one delivery on a connection of its own, as a platform delivering to many endpoints
 * does: no pooled connection that the receiver may have closed meanwhile (say, across a
 * restart) can turn a healthy endpoint's delivery into a failure. Redirects are not followed.
 */
export function postDelivery(
  url: string,
  headers: Record<string, string>,
  body: string,
  options: { timeoutMs: number; signal: AbortSignal; maxChars: number },
): Promise<DeliveryAnswer> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(target, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      agent: false,
      signal: options.signal,
    });
    const timer = setTimeout(() => request.destroy(new DeliveryTimeoutError(`timed out after ${options.timeoutMs} ms`)), options.timeoutMs);
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    request.on('response', (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text = (text + chunk).slice(0, options.maxChars);
      });
      response.on('end', () => {
        clearTimeout(timer);
        resolve({ status: response.statusCode ?? 0, headers: answerHeaders(response.headersDistinct), text });
      });
      response.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    request.end(body);
  });
}

/** One value per header name, repeated headers joined as a client shows them (own properties, so `__proto__` is a name like any other). */
function answerHeaders(headers: NodeJS.Dict<string[]>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).flatMap(([name, values]) => (values ? [[name, values.join(name === 'set-cookie' ? '\n' : ', ')]] : [])),
  );
}
