import { createHash } from 'node:crypto';
import type { WazapinEvent, WazapinEventTypeSource } from '../events/wazapin-event.interface.js';

/** A verified delivery as a queue job holds it (JSON: dates as ISO strings). */
export interface WazapinQueuedDelivery {
  id: string;
  type: string;
  typeSource: WazapinEventTypeSource;
  timestamp: string;
  receivedAt: string;
  payload: Record<string, unknown>;
  headers: Record<string, string>;
  /** Handlers that succeeded in an earlier attempt; a retry runs only the others. */
  handled?: string[];
}

export function toQueuedDelivery(event: WazapinEvent): WazapinQueuedDelivery {
  return {
    id: event.id,
    type: event.type,
    typeSource: event.typeSource,
    timestamp: event.timestamp.toISOString(),
    receivedAt: event.receivedAt.toISOString(),
    payload: event.payload as Record<string, unknown>,
    headers: { ...event.headers },
  };
}

export function fromQueuedDelivery(job: WazapinQueuedDelivery): WazapinEvent {
  return {
    id: job.id,
    type: job.type,
    typeSource: job.typeSource,
    timestamp: new Date(job.timestamp),
    receivedAt: new Date(job.receivedAt),
    payload: job.payload,
    headers: job.headers,
  };
}

/**
 * The job id of a delivery: its delivery id, so a duplicate cannot be enqueued twice and a job
 * is found by the id the platform shows. BullMQ refuses integer ids and ids with `:`; those are
 * replaced by a digest of the id, stable across instances.
 */
export function deliveryJobId(deliveryId: string): string {
  if (String(Number.parseInt(deliveryId, 10)) === deliveryId || deliveryId.includes(':')) {
    return `sha256_${createHash('sha256').update(deliveryId).digest('base64url')}`;
  }
  return deliveryId;
}
