import { IsNotEmpty, IsString } from 'class-validator';
import type { WazapinMessageStatusUpdatePayload } from '../../events/wazapin-event-payloads.interface.js';
import { IsOptionalNotNull } from './is-optional-not-null.decorator.js';

/**
 * What a `message.status_update` payload must satisfy: the fields of
 * {@link WazapinMessageStatusUpdatePayload}, typed. Other fields are allowed and not checked.
 *
 * @publicApi
 */
export class WazapinMessageStatusUpdatePayloadDto implements WazapinMessageStatusUpdatePayload {
  [field: string]: unknown;

  @IsString()
  @IsNotEmpty()
  message_id!: string;

  @IsOptionalNotNull()
  @IsString()
  conversation_id?: string;

  /** Any non-empty text, not only the statuses seen so far: the platform may add some. */
  @IsString()
  @IsNotEmpty()
  status!: WazapinMessageStatusUpdatePayload['status'];

  @IsOptionalNotNull()
  @IsString()
  organization_id?: string;
}
