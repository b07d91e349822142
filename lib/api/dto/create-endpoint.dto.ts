import { IsOptional } from 'class-validator';
import { IsWazapinWebhookSecret } from '../validators/is-webhook-secret.validator.js';
import { IsWazapinWebhookUrl } from '../validators/is-webhook-url.validator.js';
import { WazapinEndpointFieldsDto } from './endpoint-fields.dto.js';

/**
 * Body of "create endpoint". Pass a plain object; it is validated before anything is sent.
 *
 * @publicApi
 */
export class CreateWazapinEndpointDto extends WazapinEndpointFieldsDto {
  /** HTTPS URL deliveries are POSTed to (http allowed for localhost). */
  @IsWazapinWebhookUrl()
  url!: string;

  /**
   * The endpoint's signing secret (`whsec_…`), as Svix's API lets you choose it; omit it and
   * the platform makes one, returned in the answer.
   */
  @IsOptional()
  @IsWazapinWebhookSecret()
  secret?: string;
}
