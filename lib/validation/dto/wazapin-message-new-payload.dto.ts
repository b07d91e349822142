import { IsIn, IsNotEmpty, IsString } from 'class-validator';
import type { WazapinMessageNewPayload } from '../../events/wazapin-event-payloads.interface.js';
import { IsOptionalNotNull } from './is-optional-not-null.decorator.js';

const DIRECTIONS: readonly WazapinMessageNewPayload['direction'][] = ['inbound', 'outbound'];

/**
 * What a `message.new` payload must satisfy: the fields of {@link WazapinMessageNewPayload},
 * typed. Other fields are allowed and not checked.
 *
 * @publicApi
 */
export class WazapinMessageNewPayloadDto implements WazapinMessageNewPayload {
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

  @IsIn(DIRECTIONS)
  direction!: WazapinMessageNewPayload['direction'];

  @IsOptionalNotNull()
  @IsString()
  from_phone?: string;

  @IsOptionalNotNull()
  @IsString()
  msg_type?: string;
}
