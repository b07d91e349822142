import { IsOptional, IsString, MaxLength } from 'class-validator';

/**
 * Body of "retry a delivery".
 *
 * @publicApi
 */
export class RetryWazapinDeliveryDto {
  /** Retry to this endpoint only. Default: every endpoint the delivery failed on. */
  @IsOptional()
  @IsString()
  @MaxLength(255)
  endpoint_id?: string;
}
