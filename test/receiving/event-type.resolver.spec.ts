import { WAZAPIN_UNKNOWN_EVENT } from '../../lib/wazapin-webhooks.constants.js';
import { resolveEventType } from '../../lib/receiving/event-type.resolver.js';

const inbound = { message_id: 'm1', conversation_id: 'c1', direction: 'inbound', from_phone: '6281234567890' };
const envelope = { event_id: 'evt_1', event_type: 'message.sent', data: inbound };

describe('resolveEventType', () => {
  describe('order: path, envelope, header, shape', () => {
    it('takes the path segment over every other clue, and still unwraps an envelope', () => {
      expect(resolveEventType({ body: envelope, pathType: 'contact.updated', headerType: 'template.status_update' })).toEqual({
        type: 'contact.updated',
        source: 'path',
        payload: inbound,
      });
    });

    it("takes an envelope's event_type over the header and the shape", () => {
      // The data looks like message.new; the envelope says message.sent.
      expect(resolveEventType({ body: envelope, headerType: 'template.status_update' })).toEqual({
        type: 'message.sent',
        source: 'envelope',
        payload: inbound,
      });
    });

    it('takes the header over the shape, and leaves a flat body as it is', () => {
      expect(resolveEventType({ body: inbound, headerType: 'message.sent' })).toEqual({ type: 'message.sent', source: 'header', payload: inbound });
    });

    it('unwraps an envelope when the header names the type too', () => {
      // The envelope outranks the header, so this is an envelope resolution with its data.
      expect(resolveEventType({ body: { type: 'x.custom', data: inbound }, headerType: 'message.new' })).toMatchObject({
        source: 'envelope',
        payload: inbound,
      });
    });

    it('guesses from the shape when nothing names the type', () => {
      expect(resolveEventType({ body: inbound })).toEqual({ type: 'message.new', source: 'shape', payload: inbound });
    });

    it('answers unknown, with the body as payload, when nothing names or suggests a type', () => {
      const body = { foo: 'bar' };

      expect(resolveEventType({ body })).toEqual({ type: WAZAPIN_UNKNOWN_EVENT, source: 'unresolved', payload: body });
    });
  });

  describe('envelopes', () => {
    it('accepts `type` in place of `event_type`', () => {
      expect(resolveEventType({ body: { type: 'message.new', data: inbound } })).toEqual({ type: 'message.new', source: 'envelope', payload: inbound });
    });

    it('prefers `event_type` when both are present', () => {
      expect(resolveEventType({ body: { event_type: 'message.new', type: 'other', data: inbound } })).toMatchObject({ type: 'message.new' });
    });

    it('keeps an unknown event type from an envelope: more types exist than are catalogued', () => {
      expect(resolveEventType({ body: { event_type: 'channel.disconnected', data: { channel_id: 'wzp_1' } } })).toEqual({
        type: 'channel.disconnected',
        source: 'envelope',
        payload: { channel_id: 'wzp_1' },
      });
    });

    it.each([
      ['an array', [inbound]],
      ['null', null],
      ['a string', 'payload'],
      ['absent', undefined],
    ])('is not an envelope when data is %s: the body stays whole', (_name, data) => {
      const body = { type: 'message.new', data, ...inbound };

      expect(resolveEventType({ body })).toEqual({ type: 'message.new', source: 'shape', payload: body });
    });

    it('is not an envelope when the type is empty', () => {
      const body = { event_type: ' ', data: inbound };

      expect(resolveEventType({ body })).toEqual({ type: WAZAPIN_UNKNOWN_EVENT, source: 'unresolved', payload: body });
    });

    it('trims the envelope type', () => {
      expect(resolveEventType({ body: { event_type: ' message.new ', data: inbound } })).toMatchObject({ type: 'message.new' });
    });
  });

  describe('path and header values', () => {
    it.each(['', '   '])('ignores an empty path segment or header (%j)', (value) => {
      expect(resolveEventType({ body: inbound, pathType: value, headerType: value })).toMatchObject({ type: 'message.new', source: 'shape' });
    });

    it('trims them', () => {
      expect(resolveEventType({ body: {}, pathType: ' message.new ' })).toMatchObject({ type: 'message.new' });
      expect(resolveEventType({ body: {}, headerType: ' message.sent ' })).toMatchObject({ type: 'message.sent' });
    });
  });

  describe('names', () => {
    it.each(['message.new', 'message.status_update', 'unknown', 'x.y.z', 'a1.b_2'])('accepts %p from every source', (type) => {
      expect(resolveEventType({ body: inbound, pathType: type }).type).toBe(type);
      expect(resolveEventType({ body: { event_type: type, data: inbound } }).type).toBe(type);
      expect(resolveEventType({ body: inbound, headerType: type }).type).toBe(type);
    });

    it.each([
      'x\n[Nest] forged line',
      'message.new\u001b[31m',
      'Message.New',
      'message-new',
      'message.',
      '.message',
      'message..new',
      '1message',
      '*',
      'message.new;drop',
      'a'.repeat(129),
      'msg\u009b',
      'café.new',
    ])('refuses %p named by the path, an envelope or a header with a 400', (type) => {
      for (const clues of [{ body: inbound, pathType: type }, { body: { event_type: type, data: inbound } }, { body: inbound, headerType: type }]) {
        expect(() => resolveEventType(clues)).toThrow(expect.objectContaining({ status: 400 }));
      }
    });
  });
});
