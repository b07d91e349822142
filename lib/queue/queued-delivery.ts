import { createHash } from 'node:crypto';
import type { WazapinEvent, WazapinEventTypeSource } from '../events/wazapin-event.interface.js';
import type { WazapinPayloadViolation } from '../validation/wazapin-payload-violation.interface.js';
import { pickHeaders } from './stored-headers.js';

/** Longest delivery id kept readable in its job id; longer ones are hashed. */
const MAX_READABLE_ID_LENGTH = 128;

/**
 * A verified delivery as a queue job holds it (JSON: dates as ISO strings).
 *
 * @publicApi
 */
export interface WazapinQueuedDelivery {
  id: string;
  type: string;
  typeSource: WazapinEventTypeSource;
  timestamp: string;
  receivedAt: string;
  payload: Record<string, unknown>;
  /** The request headers `queue.headers` allows (lower-case names); never a credential unless listed. */
  headers: Record<string, string>;
  /** Handlers that succeeded in an earlier attempt; a retry runs only the others. */
  handled?: string[];
  /** The registration that received it; jobs queued before there were names have none. */
  account?: string;
  /** The tenant, in a `tenants` registration. */
  tenant?: string;
  /** What its payload failed, with `validatePayloads`: it goes to wildcard handlers only. */
  invalid?: readonly WazapinPayloadViolation[];
  /**
   * The trace the delivery was received in (W3C Trace Context), when the app has OpenTelemetry:
   * the worker's handler spans are its children, on any instance.
   */
  traceparent?: string;
  /** The `tracestate` of that trace, when it has one. */
  tracestate?: string;
}

/** The job data of a delivery, keeping only the headers named in `headerNames`. */
export function toQueuedDelivery(event: WazapinEvent, headerNames: readonly string[]): WazapinQueuedDelivery {
  return {
    id: event.id,
    type: event.type,
    typeSource: event.typeSource,
    timestamp: event.timestamp.toISOString(),
    receivedAt: event.receivedAt.toISOString(),
    payload: event.payload as Record<string, unknown>,
    headers: pickHeaders(event.headers, headerNames),
    account: event.account,
    tenant: event.tenant,
    invalid: event.invalid,
  };
}

/** The event a job holds; `account` is the worker's registration, for a job that names none. */
export function fromQueuedDelivery(job: WazapinQueuedDelivery, account: string): WazapinEvent {
  return {
    id: job.id,
    type: job.type,
    typeSource: job.typeSource,
    timestamp: new Date(job.timestamp),
    receivedAt: new Date(job.receivedAt),
    payload: job.payload,
    headers: job.headers,
    account: job.account ?? account,
    tenant: job.tenant,
    ...(job.invalid === undefined ? {} : { invalid: job.invalid }),
  };
}

/**
 * The job id of a delivery, the same on every instance, so a duplicate cannot be enqueued twice:
 * `dlv_<delivery id>~<event type>`, or `dlvh_<base64url SHA-256 of both>` for an id longer than
 * 128 characters or holding a `:`. Never the raw id: BullMQ keeps a job under `<prefix>:<queue>:<job
 * id>` beside its own keys (`…:wait`, `…:meta`, …), which an id such as `wait` would overwrite,
 * and a `:` would let an id reach the keys of another job. The type is in it as in the dedupe key
 * (a replay to another type's path must not stand for the genuine delivery), last, after a `~`
 * that no type holds. The two prefixes differ, so the forms never meet, and neither is an
 * integer, which BullMQ refuses. A tenant's delivery has its tenant first, before a `~` no
 * tenant id holds (`dlvt_<tenant>~<delivery id>~<event type>`, or `dlvth_<hash>`), as its
 * dedupe keys have: two tenants' deliveries of one id are two jobs.
 */
export function deliveryJobId(deliveryId: string, type: string, tenant?: string): string {
  const form = tenant === undefined ? '' : 't';
  if (deliveryId.length > MAX_READABLE_ID_LENGTH || deliveryId.includes(':')) {
    const hashed = tenant === undefined ? `${type}\u0000${deliveryId}` : `${tenant}\u0000${type}\u0000${deliveryId}`;
    return `dlv${form}h_${createHash('sha256').update(hashed).digest('base64url')}`;
  }
  return tenant === undefined ? `dlv_${deliveryId}~${type}` : `dlvt_${tenant}~${deliveryId}~${type}`;
}
