import { Injectable } from '@nestjs/common';
import { OnWazapinEvent, type WazapinEvent } from '../../../lib/index.js';

@Injectable()
export class MessagesHandler {
  readonly senders: string[] = [];

  @OnWazapinEvent('message.new')
  onMessage(event: WazapinEvent<'message.new'>) {
    if (event.payload.direction === 'inbound' && event.payload.from_phone) {
      this.senders.push(event.payload.from_phone);
    }
  }
}
