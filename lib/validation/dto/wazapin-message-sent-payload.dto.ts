import { IsIn, IsNotEmpty, IsString } from 'class-validator';
import type { WazapinMessageSentPayload } from '../../events/wazapin-event-payloads.interface.js';
import { IsOptionalNotNull } from './is-optional-not-null.decorator.js';

const DIRECTIONS: readonly NonNullable<WazapinMessageSentPayload['direction']>[] = ['outbound'];

/**
 * What a `message.sent` payload must satisfy: the fields of {@link WazapinMessageSentPayload},
 * typed. Other fields are allowed and not checked.
 *
 * @publicApi
 */
export class WazapinMessageSentPayloadDto implements WazapinMessageSentPayload {
  [field: string]: unknown;

  @IsString()
  @IsNotEmpty()
  message_id!: string;

  @IsString()
  @IsNotEmpty()
  conversation_id!: string;

  @IsOptionalNotNull()
  @IsString()
  contact_id?: string;

  @IsOptionalNotNull()
  @IsString()
  channel_id?: string;

  @IsOptionalNotNull()
  @IsIn(DIRECTIONS)
  direction?: WazapinMessageSentPayload['direction'];

  @IsOptionalNotNull()
  @IsString()
  to_phone?: string;

  @IsOptionalNotNull()
  @IsString()
  msg_type?: string;
}
