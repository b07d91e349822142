import { IsWazapinWebhookUrl } from '../validators/is-webhook-url.validator.js';
import { WazapinEndpointFieldsDto } from './endpoint-fields.dto.js';

/** Body of "create endpoint". Pass a plain object; it is validated before anything is sent. */
export class CreateWazapinEndpointDto extends WazapinEndpointFieldsDto {
  /** HTTPS URL deliveries are POSTed to (http allowed for localhost). */
  @IsWazapinWebhookUrl()
  url!: string;
}
