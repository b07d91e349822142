import { IsNotEmpty, IsOptional, IsString } from 'class-validator';
import type { WazapinConversationUpdatedPayload } from '../../events/wazapin-event-payloads.interface.js';
import { IsOptionalNotNull } from './is-optional-not-null.decorator.js';

/**
 * What a `conversation.updated` payload must satisfy: the fields of
 * {@link WazapinConversationUpdatedPayload}, typed. Other fields are allowed and not checked.
 *
 * @publicApi
 */
export class WazapinConversationUpdatedPayloadDto implements WazapinConversationUpdatedPayload {
  [field: string]: unknown;

  @IsString()
  @IsNotEmpty()
  conversation_id!: string;

  @IsOptionalNotNull()
  @IsString()
  contact_id?: string;

  @IsOptionalNotNull()
  @IsString()
  status?: string;

  /** `null` when the conversation was unassigned. */
  @IsOptional()
  @IsString()
  assignee_id?: string | null;
}
