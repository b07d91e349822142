import { IsOptional } from 'class-validator';
import { IsWazapinEventTypeName } from '../validators/is-event-type-name.validator.js';

/**
 * Body of "send test delivery".
 *
 * @publicApi
 */
export class SendWazapinTestDeliveryDto {
  /** Event type of the sample payload. Default: the platform's choice (`message.new` in the emulator). */
  @IsOptional()
  @IsWazapinEventTypeName()
  event_type?: string;
}
