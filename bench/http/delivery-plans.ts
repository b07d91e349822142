import { randomBytes } from 'node:crypto';
import type { DeliverySigner, SignedRequest } from '../support/delivery-signer.js';
import { SeededRandom } from '../../test/support/seeded-random.js';
import { statusUpdateJson } from '../support/status-update-body.js';

const STATUSES = ['sent', 'delivered', 'read'];

/** A source of signed requests for the load generator, taken in order, each sent once. */
export interface DeliveryPlan {
  next(): SignedRequest;
  /** Requests signed while the run was going, because the pre-signed ones ran out. */
  readonly signedDuringRun: number;
}

/**
 * Distinct `message.status_update` deliveries (new delivery id, new message id each), so every
 * request takes the module's full path rather than the duplicate shortcut. `count` are signed
 * up front; if the run outpaces them, more are signed as it goes (and counted).
 */
export function distinctDeliveries(signer: DeliverySigner, count: number): DeliveryPlan {
  // A tag per plan: several runs hit one app, and a repeated id would be a duplicate there.
  const tag = randomBytes(6).toString('hex');
  const make = (i: number) => signer.sign(`msg_${tag}${i}`, statusUpdateJson(`${tag}-${i}`, STATUSES[i % STATUSES.length]));
  const signed = Array.from({ length: count }, (_, i) => make(i));
  let taken = 0;
  let signedDuringRun = 0;
  return {
    next() {
      const i = taken++;
      if (i < signed.length) {
        return signed[i];
      }
      signedDuringRun++;
      return make(i);
    },
    get signedDuringRun() {
      return signedDuringRun;
    },
  };
}

/** What a storm plan holds. */
export interface StormPlanFigures {
  /** Distinct events, each of which must be handled exactly once. */
  readonly unique: number;
  /** Platform retries: same delivery id and body, later timestamp, new signature. */
  readonly retries: number;
  /** The same event (message id and status) again under a new delivery id. */
  readonly reemissions: number;
  readonly total: number;
  readonly seed: number;
}

/** How far after its original a duplicate comes at the earliest, in requests. */
const DUPLICATE_MIN_GAP = 1000;

/**
 * A status-update storm: `unique` distinct events, plus `duplicateRatio` of that as
 * duplicates, half retries and half re-emissions, each placed at a seeded random point at
 * least {@link DUPLICATE_MIN_GAP} requests after its original (as a platform retry comes later).
 */
export function stormDeliveries(
  signer: DeliverySigner,
  unique: number,
  duplicateRatio: number,
  seed: number,
): { plan: DeliveryPlan; figures: StormPlanFigures } {
  const rng = new SeededRandom(seed);
  const tag = randomBytes(6).toString('hex');
  const now = Math.floor(Date.now() / 1000);
  const originals = Array.from({ length: unique }, (_, i) => ({
    id: `msg_${tag}${i}`,
    body: statusUpdateJson(`${tag}-${i}`, STATUSES[i % STATUSES.length]),
  }));
  const duplicateCount = Math.round(unique * duplicateRatio);
  const duplicates: { at: number; request: SignedRequest }[] = [];
  for (let d = 0; d < duplicateCount; d++) {
    const of = rng.int(0, unique - DUPLICATE_MIN_GAP - 1);
    const at = rng.int(of + DUPLICATE_MIN_GAP, unique);
    const original = originals[of];
    const request = d % 2 === 0 ? signer.sign(original.id, original.body, now + 1) : signer.sign(`msg_${tag}r${d}`, original.body, now);
    duplicates.push({ at, request });
  }
  duplicates.sort((a, b) => a.at - b.at);

  const sequence: SignedRequest[] = [];
  let next = 0;
  for (let i = 0; i <= unique; i++) {
    while (next < duplicates.length && duplicates[next].at === i) {
      sequence.push(duplicates[next++].request);
    }
    if (i < unique) {
      sequence.push(signer.sign(originals[i].id, originals[i].body, now));
    }
  }
  let taken = 0;
  return {
    plan: {
      next() {
        if (taken >= sequence.length) {
          throw new Error('storm plan exhausted: the load sent more requests than planned');
        }
        return sequence[taken++];
      },
      signedDuringRun: 0,
    },
    figures: {
      unique,
      retries: Math.ceil(duplicateCount / 2),
      reemissions: Math.floor(duplicateCount / 2),
      total: sequence.length,
      seed,
    },
  };
}
