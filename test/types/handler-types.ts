/**
 * Compile-time checks of the handler API: `npm run typecheck` fails if a line marked
 * `@ts-expect-error` compiles, or an unmarked one does not.
 */
import { Injectable } from '@nestjs/common';
import { OnWazapinEvent, type WazapinEvent } from '../../lib/index.js';

@Injectable()
export class TypedHandlers {
  @OnWazapinEvent('message.new')
  onMessage(event: WazapinEvent<'message.new'>): string {
    return event.payload.message_id;
  }

  @OnWazapinEvent('message.new')
  wider(event: WazapinEvent<'message.new' | 'message.sent'>): string {
    return event.type;
  }

  @OnWazapinEvent('message.new')
  noParameter(): void {}

  @OnWazapinEvent('message.status_update')
  async asynchronous(event: WazapinEvent<'message.status_update'>): Promise<void> {
    await Promise.resolve(event.payload.status);
  }

  @OnWazapinEvent(['message.new', 'message.status_update'])
  async content(event: WazapinEvent<'message.new' | 'message.status_update'>): Promise<unknown> {
    // @ts-expect-error: fetchMessage is a message event's, not a status update's
    void event.fetchMessage;
    // Narrowed to message.new, the event reads its message.
    return event.type === 'message.new' ? (await event.fetchMessage()).text : undefined;
  }

  // @ts-expect-error: a message.new handler cannot take contact.updated events
  @OnWazapinEvent('message.new')
  mismatched(event: WazapinEvent<'contact.updated'>): void {
    void event;
  }

  @OnWazapinEvent(['contact.updated', 'conversation.updated'])
  onCrmChange(event: WazapinEvent<'contact.updated' | 'conversation.updated'>): string | undefined {
    // The union narrows on the type.
    if (event.type === 'contact.updated') {
      return event.payload.contact_id;
    }
    return event.payload.assignee_id ?? undefined;
  }

  // @ts-expect-error: a handler of two types must take both
  @OnWazapinEvent(['contact.updated', 'conversation.updated'])
  onlyOne(event: WazapinEvent<'contact.updated'>): void {
    void event;
  }

  @OnWazapinEvent('contact.updated')
  @OnWazapinEvent('conversation.updated')
  stacked(event: WazapinEvent<'contact.updated' | 'conversation.updated'>): string {
    return event.type;
  }

  @OnWazapinEvent('message.new')
  @OnWazapinEvent(['message.sent', 'message.status_update'])
  stackedWithList(event: WazapinEvent<'message.new' | 'message.sent' | 'message.status_update'>): string {
    return event.payload.message_id;
  }

  @OnWazapinEvent('*')
  @OnWazapinEvent('message.new')
  stackedOnWildcard(event: WazapinEvent): string {
    return event.id;
  }

  // @ts-expect-error: stacked, each decorator's types must be taken: this one's contact.updated is not
  @OnWazapinEvent('contact.updated')
  @OnWazapinEvent('conversation.updated')
  stackedTakingOne(event: WazapinEvent<'conversation.updated'>): void {
    void event;
  }

  @OnWazapinEvent('conversation.updated')
  // @ts-expect-error: the same, whichever of the two decorators names the type not taken
  @OnWazapinEvent('contact.updated')
  stackedTakingOther(event: WazapinEvent<'conversation.updated'>): void {
    void event;
  }

  @OnWazapinEvent('message.new')
  // @ts-expect-error: a '*' stacked on a narrower handler needs a method that takes every event
  @OnWazapinEvent('*')
  stackedNarrowWildcard(event: WazapinEvent<'message.new'>): void {
    void event;
  }

  @OnWazapinEvent('*')
  audit(event: WazapinEvent): string {
    return event.id;
  }

  // @ts-expect-error: a wildcard handler gets every event, not only message.new
  @OnWazapinEvent('*')
  narrowWildcard(event: WazapinEvent<'message.new'>): void {
    void event;
  }

  @OnWazapinEvent('x.custom_event')
  custom(event: WazapinEvent<'x.custom_event'>): unknown {
    return event.payload.anything;
  }
}

export function narrowsPayload(event: WazapinEvent<'contact.updated' | 'conversation.updated'>): string {
  // @ts-expect-error: contact_id is not on conversation.updated until the type is checked
  const unchecked: string = event.payload.contact_id;
  void unchecked;
  return event.type === 'conversation.updated' ? event.payload.conversation_id : event.payload.contact_id;
}
