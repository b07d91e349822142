import { getMetadataStorage, validateSync, type ValidationError, type ValidatorOptions } from 'class-validator';
import type { WazapinEventPayloadMap } from '../events/wazapin-event-payloads.interface.js';
import type { WazapinKnownEventType } from '../events/wazapin-event-type.js';
import { WazapinContactUpdatedPayloadDto } from './dto/wazapin-contact-updated-payload.dto.js';
import { WazapinConversationUpdatedPayloadDto } from './dto/wazapin-conversation-updated-payload.dto.js';
import { WazapinMessageNewPayloadDto } from './dto/wazapin-message-new-payload.dto.js';
import { WazapinMessageSentPayloadDto } from './dto/wazapin-message-sent-payload.dto.js';
import { WazapinMessageStatusUpdatePayloadDto } from './dto/wazapin-message-status-update-payload.dto.js';
import { WazapinTemplateStatusUpdatePayloadDto } from './dto/wazapin-template-status-update-payload.dto.js';
import type { WazapinPayloadViolation } from './wazapin-payload-violation.interface.js';

/**
 * The DTO class each catalogued event type's payload is validated against.
 *
 * @publicApi
 */
export const WAZAPIN_PAYLOAD_DTOS: Readonly<{ [T in WazapinKnownEventType]: new () => WazapinEventPayloadMap[T] }> =
  Object.freeze({
    'message.new': WazapinMessageNewPayloadDto,
    'message.sent': WazapinMessageSentPayloadDto,
    'message.status_update': WazapinMessageStatusUpdatePayloadDto,
    'conversation.updated': WazapinConversationUpdatedPayloadDto,
    'contact.updated': WazapinContactUpdatedPayloadDto,
    'template.status_update': WazapinTemplateStatusUpdatePayloadDto,
  });

interface ValidationPlan {
  readonly prototype: object;
  /** The fields the DTO has validators on: the only ones class-validator reads. */
  readonly fields: readonly string[];
}

/**
 * A Map, not the record: a type named `constructor` or `__proto__` must find nothing rather
 * than something of Object.prototype.
 */
const PLANS: ReadonlyMap<string, ValidationPlan> = new Map(
  Object.entries(WAZAPIN_PAYLOAD_DTOS).map(([type, Dto]) => {
    const metadatas = getMetadataStorage().getTargetValidationMetadatas(Dto, '', true, false);
    return [type, { prototype: Dto.prototype, fields: [...new Set(metadatas.map((metadata) => metadata.propertyName))] }];
  }),
);

/**
 * No whitelist, so fields outside a DTO are allowed; `forbidUnknownValues` is spelled out, as
 * its default changed between class-validator versions. The errors keep neither the instance
 * nor the values, so a violation cannot carry a payload's text along.
 */
const OPTIONS: ValidatorOptions = Object.freeze({
  forbidUnknownValues: false,
  validationError: Object.freeze({ target: false, value: false }),
});

/** One violation per failed constraint; the DTOs are flat, so errors have no children. */
function violationsOf(errors: readonly ValidationError[]): WazapinPayloadViolation[] {
  return errors.flatMap((error) =>
    Object.entries(error.constraints ?? {}).map(([constraint, message]) => ({ field: error.property, constraint, message })),
  );
}

/**
 * An instance of the DTO holding only the payload's validated fields. Copying those alone keeps
 * the cost independent of the payload's size, and keeps keys such as `__proto__` and
 * `constructor` off the instance: assigned to it, they would replace the prototype or the
 * constructor class-validator looks its rules up by, and the payload would pass unchecked.
 */
function instanceOf(plan: ValidationPlan, payload: Record<string, unknown>): Record<string, unknown> {
  const instance = Object.create(plan.prototype) as Record<string, unknown>;
  for (const field of plan.fields) {
    instance[field] = payload[field];
  }
  return instance;
}

/**
 * Validates the payload of an event of `type` against its DTO ({@link WAZAPIN_PAYLOAD_DTOS}):
 * `undefined` when it is valid or `type` is not catalogued, else one violation per failed
 * constraint. Fields outside the DTO are allowed. `payload` is only read, never changed, and
 * the call never throws: what cannot be validated (not an object, a field whose getter throws)
 * is a violation.
 *
 * @publicApi
 */
export function validateWazapinPayload(
  type: string,
  payload: Record<string, unknown>,
): readonly WazapinPayloadViolation[] | undefined {
  const plan = PLANS.get(type);
  if (!plan) {
    return undefined;
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return [{ field: '', constraint: 'isObject', message: 'the payload must be an object' }];
  }
  try {
    const errors = validateSync(instanceOf(plan, payload), OPTIONS);
    if (errors.length === 0) {
      return undefined;
    }
    return violationsOf(errors);
  } catch {
    return [{ field: '', constraint: 'isReadable', message: 'the payload could not be read' }];
  }
}
