import { isWazapinEventTypeName } from '../../lib/api/validators/is-event-type-name.validator.js';
import { isEventTypeName } from '../../lib/events/event-type-name.js';

describe('event type names, for subscribing and for receiving', () => {
  it.each(['message.new', 'template.status_update', 'x.custom_event', 'a.b.c'])('subscribes to %p, which the route accepts', (type) => {
    expect(isWazapinEventTypeName(type)).toBe(true);
    expect(isEventTypeName(type)).toBe(true);
  });

  it.each(['Message.New', 'order-created.v1', 'message..new', 'unknown', '*', 'a'.repeat(127) + '.b', 42])(
    'refuses to subscribe to %p',
    (type) => {
      expect(isWazapinEventTypeName(type)).toBe(false);
    },
  );
});
