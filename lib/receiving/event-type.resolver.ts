import { BadRequestException } from '@nestjs/common';
import { inferWazapinEventType } from '../events/infer-event-type.js';
import type { WazapinEventTypeSource } from '../events/wazapin-event.interface.js';
import { WAZAPIN_UNKNOWN_EVENT } from '../wazapin-webhooks.constants.js';
import { isEventTypeName } from '../events/event-type-name.js';
import { rejecting } from '../telemetry/delivery-outcome.js';

/** The event type of a delivery and the payload handlers get. */
export interface ResolvedEvent {
  type: string;
  source: WazapinEventTypeSource;
  payload: Record<string, unknown>;
}

export interface EventTypeClues {
  /** Body, parsed. */
  body: Record<string, unknown>;
  /** The `:eventType` segment of the URL, if the delivery came to one. */
  pathType?: string;
  /** The configured event type header's value, if any. */
  headerType?: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** The type named by `source`, refused with a 400 unless it has the form of an event type name. */
function named(type: string, source: Exclude<WazapinEventTypeSource, 'shape' | 'unresolved'>): string {
  if (!isEventTypeName(type)) {
    throw rejecting(
      new BadRequestException(
        `Webhook event type named by the ${source} is not an event type name (lower-case words separated by dots, such as message.new)`,
      ),
      'invalid-event-type',
    );
  }
  return type;
}

/**
 * Resolves the event type in order: the path segment, an envelope's `event_type` / `type`,
 * the configured header, the payload's shape. An envelope (`{ event_type | type, data }`) is
 * unwrapped whichever clue named the type, so handlers always get the event's own fields.
 * A type named by the path, an envelope or a header that is not an event type name answers 400.
 */
export function resolveEventType({ body, pathType, headerType }: EventTypeClues): ResolvedEvent {
  const envelopeType = nonEmpty(body.event_type) ?? nonEmpty(body.type);
  const isEnvelope = envelopeType !== undefined && isObject(body.data);
  const payload = isEnvelope ? (body.data as Record<string, unknown>) : body;

  const fromPath = nonEmpty(pathType);
  if (fromPath) {
    return { type: named(fromPath, 'path'), source: 'path', payload };
  }
  if (isEnvelope) {
    return { type: named(envelopeType, 'envelope'), source: 'envelope', payload };
  }
  const fromHeader = nonEmpty(headerType);
  if (fromHeader) {
    return { type: named(fromHeader, 'header'), source: 'header', payload };
  }
  const fromShape = inferWazapinEventType(payload);
  if (fromShape) {
    return { type: fromShape, source: 'shape', payload };
  }
  return { type: WAZAPIN_UNKNOWN_EVENT, source: 'unresolved', payload };
}
