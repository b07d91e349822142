import { ArrayUnique, IsArray, IsBoolean, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsWazapinEventTypeName } from '../validators/is-event-type-name.validator.js';
import { IsStringRecord } from '../validators/is-string-record.validator.js';

/** The optional fields an endpoint is created or updated with. */
export abstract class WazapinEndpointFieldsDto {
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  description?: string;

  /** Event types to deliver; omit or leave empty for all. */
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @IsWazapinEventTypeName({ each: true })
  event_types?: string[];

  /** A disabled endpoint receives nothing. */
  @IsOptional()
  @IsBoolean()
  disabled?: boolean;

  @IsOptional()
  @IsStringRecord()
  metadata?: Record<string, string>;
}
