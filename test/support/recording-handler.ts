import { Injectable, type Type } from '@nestjs/common';
import { OnWazapinEvent, type WazapinEvent, type WazapinEventType } from '../../lib/index.js';

/** A handler class of `type` for a test app, and the delivery ids of its runs, one entry per run. */
export function recordingHandler(type: WazapinEventType): { Handler: Type<unknown>; handled: string[] } {
  const handled: string[] = [];

  @Injectable()
  class RecordingHandler {
    @OnWazapinEvent(type)
    record(event: WazapinEvent) {
      handled.push(event.id);
    }
  }
  return { Handler: RecordingHandler, handled };
}
