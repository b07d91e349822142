import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Max, Min } from 'class-validator';
import type { WazapinDeliveryStatus } from '../interfaces/wazapin-delivery.interface.js';
import { IsWazapinEventTypeName } from '../validators/is-event-type-name.validator.js';

const STATUSES: readonly WazapinDeliveryStatus[] = ['success', 'pending', 'failed', 'sending'];

function toIsoString({ value }: { value: unknown }): unknown {
  return value instanceof Date && !Number.isNaN(value.getTime()) ? value.toISOString() : value;
}

/**
 * Query of "list deliveries": a page size, a cursor and filters.
 *
 * @publicApi
 */
export class ListWazapinDeliveriesQueryDto {
  /** Page size, 1 to 250. Default: the API's. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(250)
  limit?: number;

  /** `next_cursor` of the previous page. */
  @IsOptional()
  @IsString()
  cursor?: string;

  @IsOptional()
  @IsString()
  endpoint_id?: string;

  @IsOptional()
  @IsIn(STATUSES)
  status?: WazapinDeliveryStatus;

  @IsOptional()
  @IsWazapinEventTypeName()
  event_type?: string;

  /** Only attempts at or after this instant (a Date or an ISO 8601 string). */
  @IsOptional()
  @Transform(toIsoString)
  @IsISO8601()
  since?: Date | string;

  /** Only attempts before this instant (a Date or an ISO 8601 string). */
  @IsOptional()
  @Transform(toIsoString)
  @IsISO8601()
  until?: Date | string;
}
