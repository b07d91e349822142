import { IsOptional } from 'class-validator';
import { IsWazapinWebhookUrl } from '../validators/is-webhook-url.validator.js';
import { WazapinEndpointFieldsDto } from './endpoint-fields.dto.js';

/**
 * Body of "update endpoint": only the fields given change.
 *
 * @publicApi
 */
export class UpdateWazapinEndpointDto extends WazapinEndpointFieldsDto {
  @IsOptional()
  @IsWazapinWebhookUrl()
  url?: string;
}
