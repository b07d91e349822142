import { ArrayUnique, IsArray, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsWazapinEventTypeName } from '../validators/is-event-type-name.validator.js';
import { IsWazapinWebhookSecret } from '../validators/is-webhook-secret.validator.js';
import { IsWazapinWebhookUrl } from '../validators/is-webhook-url.validator.js';

/**
 * Input of `syncEndpoint`: the endpoint this app should have.
 *
 * @publicApi
 */
export class SyncWazapinEndpointDto {
  /** The app's webhook URL; the endpoint is found by it. */
  @IsWazapinWebhookUrl()
  url!: string;

  /**
   * Event types to subscribe to. Default: the types the app's `@OnWazapinEvent` handlers
   * name, or all when one of them is a wildcard `'*'`. Empty means all.
   */
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @IsWazapinEventTypeName({ each: true })
  eventTypes?: string[];

  /** Set on create, and updated when it differs. */
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  description?: string;

  /**
   * The signing secret to create the endpoint with (`whsec_…`), e.g. the one your other
   * endpoints share. An endpoint that exists already keeps its own.
   */
  @IsOptional()
  @IsWazapinWebhookSecret()
  secret?: string;
}
