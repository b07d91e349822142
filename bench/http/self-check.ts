import { randomBytes } from 'node:crypto';
import { DeliverySigner, type SignedRequest } from '../support/delivery-signer.js';
import { statusUpdateJson } from '../support/status-update-body.js';

const RECEIPT = '{"received":true}';
const DUPLICATE_RECEIPT = '{"received":true,"duplicate":true}';
/** Past the 300 s every route tolerates. */
const STALE_SECONDS = 600;
/** A repeat answered 409 is sent again, as the platform would, this many times at most. */
const CONFLICT_RETRIES = 20;
const CONFLICT_RETRY_MS = 25;

interface Case {
  readonly name: string;
  readonly request: SignedRequest;
  readonly status: number;
  /** The body a 2xx must have. */
  readonly body?: string;
}

function cases(signer: DeliverySigner): Case[] {
  const tag = randomBytes(6).toString('hex');
  const body = (i: number) => statusUpdateJson(`check-${tag}-${i}`, 'delivered');
  const good = signer.sign(`msg_check${tag}0`, body(0));
  const stranger = new DeliverySigner(`whsec_${randomBytes(32).toString('base64')}`);
  const wrongSecret = stranger.sign(`msg_check${tag}1`, body(1));
  const tampered = signer.sign(`msg_check${tag}2`, body(2));
  const stale = signer.sign(`msg_check${tag}3`, body(3), Math.floor(Date.now() / 1000) - STALE_SECONDS);
  return [
    { name: 'a good delivery', request: good, status: 200, body: RECEIPT },
    { name: 'the same delivery again', request: good, status: 200, body: DUPLICATE_RECEIPT },
    { name: 'a delivery signed with another secret', request: wrongSecret, status: 401 },
    { name: 'a delivery whose body was changed after signing', request: { ...tampered, body: body(4) }, status: 401 },
    { name: 'a delivery signed 10 minutes ago', request: stale, status: 401 },
  ];
}

/**
 * Checks that the route at `url` is a correct receiver before it is measured, so a broken
 * baseline cannot flatter the module: a good delivery answered 200 with the receipt, its repeat
 * as a duplicate, and a wrong signature, a changed body and a stale timestamp each answered 401.
 * Throws naming every case answered otherwise.
 */
export async function selfCheck(url: string, secret: string): Promise<void> {
  const failures: string[] = [];
  for (const c of cases(new DeliverySigner(secret))) {
    let response = await fetch(url, { method: 'POST', headers: c.request.headers, body: c.request.body });
    // 409 is "being processed, retry later": the first copy's handlers may not have settled yet.
    for (let retries = 0; response.status === 409 && retries < CONFLICT_RETRIES; retries++) {
      await response.text();
      await new Promise((resolve) => setTimeout(resolve, CONFLICT_RETRY_MS));
      response = await fetch(url, { method: 'POST', headers: c.request.headers, body: c.request.body });
    }
    const text = await response.text();
    if (response.status !== c.status || (c.body !== undefined && text !== c.body)) {
      failures.push(`${c.name}: expected ${c.status}${c.body ? ` ${c.body}` : ''}, got ${response.status} ${text.slice(0, 200)}`);
    }
  }
  if (failures.length > 0) {
    throw new Error(`self-check of ${url} failed:\n  ${failures.join('\n  ')}`);
  }
}
