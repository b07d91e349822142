import type { WazapinWebhookReceipt } from './wazapin-webhook-receipt.interface.js';

const CONTENT_TYPE = 'application/json; charset=utf-8';

/** The two receipts the route answers, serialised once. */
const BODIES = new Map<WazapinWebhookReceipt['duplicate'], { text: string; length: string }>(
  [undefined, true].map((duplicate) => {
    const text = JSON.stringify(duplicate ? { received: true, duplicate } : { received: true });
    return [duplicate as WazapinWebhookReceipt['duplicate'], { text, length: String(Buffer.byteLength(text)) }];
  }),
);

interface FastifyReplyLike {
  raw: unknown;
  code(status: number): FastifyReplyLike;
  header(name: string, value: string): FastifyReplyLike;
  send(payload: string): unknown;
}

interface NodeResponseLike {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body: string): unknown;
}

function isFastifyReply(response: unknown): response is FastifyReplyLike {
  return typeof (response as FastifyReplyLike).code === 'function' && 'raw' in (response as object);
}

/**
 * Answers 200 with the receipt, written as the JSON text it always is. The adapter's generic
 * path would serialise the object on every delivery and, on Express, hash the body for an ETag
 * that a webhook sender never uses.
 */
export function sendReceipt(response: unknown, receipt: WazapinWebhookReceipt): void {
  const body = BODIES.get(receipt.duplicate)!;
  if (isFastifyReply(response)) {
    response.code(200).header('content-type', CONTENT_TYPE).send(body.text);
    return;
  }
  const node = response as NodeResponseLike;
  node.statusCode = 200;
  node.setHeader('content-type', CONTENT_TYPE);
  node.setHeader('content-length', body.length);
  node.end(body.text);
}
