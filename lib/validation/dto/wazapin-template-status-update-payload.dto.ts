import { IsNotEmpty, IsOptional, IsString } from 'class-validator';
import type { WazapinTemplateStatusUpdatePayload } from '../../events/wazapin-event-payloads.interface.js';
import { IsOptionalNotNull } from './is-optional-not-null.decorator.js';

/**
 * What a `template.status_update` payload must satisfy: the fields of
 * {@link WazapinTemplateStatusUpdatePayload}, typed. Other fields are allowed and not checked.
 *
 * @publicApi
 */
export class WazapinTemplateStatusUpdatePayloadDto implements WazapinTemplateStatusUpdatePayload {
  [field: string]: unknown;

  @IsOptionalNotNull()
  @IsString()
  template_id?: string;

  @IsOptionalNotNull()
  @IsString()
  template_name?: string;

  @IsOptionalNotNull()
  @IsString()
  language?: string;

  @IsString()
  @IsNotEmpty()
  status!: string;

  /** `null` when there is none. */
  @IsOptional()
  @IsString()
  reason?: string | null;
}
