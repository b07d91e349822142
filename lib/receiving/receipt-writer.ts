import { DUPLICATE, INVALID, RECEIVED, STALE } from './receipts.js';
import type { WazapinWebhookReceipt } from './wazapin-webhook-receipt.interface.js';

const CONTENT_TYPE = 'application/json; charset=utf-8';

/** A receipt as sent: its JSON text and that text's length in bytes. */
interface ReceiptBody {
  readonly text: string;
  readonly length: string;
}

function body(receipt: WazapinWebhookReceipt): ReceiptBody {
  const text = JSON.stringify(receipt);
  return { text, length: String(Buffer.byteLength(text)) };
}

const BODIES = new Map([RECEIVED, DUPLICATE, STALE, INVALID].map((receipt) => [receipt, body(receipt)]));

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
  const { text, length } = BODIES.get(receipt) ?? body(receipt);
  if (isFastifyReply(response)) {
    response.code(200).header('content-type', CONTENT_TYPE).send(text);
    return;
  }
  const node = response as NodeResponseLike;
  node.statusCode = 200;
  node.setHeader('content-type', CONTENT_TYPE);
  node.setHeader('content-length', length);
  node.end(text);
}
