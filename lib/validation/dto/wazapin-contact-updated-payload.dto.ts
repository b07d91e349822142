import { IsNotEmpty, IsString } from 'class-validator';
import type { WazapinContactUpdatedPayload } from '../../events/wazapin-event-payloads.interface.js';
import { IsOptionalNotNull } from './is-optional-not-null.decorator.js';

/**
 * What a `contact.updated` payload must satisfy: the fields of
 * {@link WazapinContactUpdatedPayload}, typed. Other fields are allowed and not checked.
 *
 * @publicApi
 */
export class WazapinContactUpdatedPayloadDto implements WazapinContactUpdatedPayload {
  [field: string]: unknown;

  @IsString()
  @IsNotEmpty()
  contact_id!: string;

  @IsOptionalNotNull()
  @IsString()
  name?: string;

  @IsOptionalNotNull()
  @IsString()
  phone?: string;
}
