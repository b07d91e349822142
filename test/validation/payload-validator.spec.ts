import { WAZAPIN_EVENT_TYPES, type WazapinKnownEventType } from '../../lib/events/wazapin-event-type.js';
import { sampleWazapinPayload } from '../../lib/testing/sample-wazapin-payload.js';
import { WazapinMessageNewPayloadDto } from '../../lib/validation/dto/wazapin-message-new-payload.dto.js';
import { validateWazapinPayload, WAZAPIN_PAYLOAD_DTOS } from '../../lib/validation/payload-validator.js';

/** The two examples of the platform's reference, as it prints them. */
const DOCUMENTED_MESSAGE_NEW =
  '{"message_id":"9f1fd66d-c37a-4b50-a8c2-b4dca523f9c8","conversation_id":"0f89b0f9-74b4-44f9-b9b6-48f6d4de57aa",' +
  '"contact_id":"c1a2b3c4-d5e6-7890-abcd-ef1234567890","channel_id":"wzp_abc123","direction":"inbound",' +
  '"from_phone":"6281234567890","msg_type":"text"}';
const DOCUMENTED_STATUS_UPDATE =
  '{"message_id":"9f1fd66d-c37a-4b50-a8c2-b4dca523f9c8","conversation_id":"0f89b0f9-74b4-44f9-b9b6-48f6d4de57aa",' +
  '"status":"delivered","organization_id":"org_123"}';

function sample(type: WazapinKnownEventType, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...sampleWazapinPayload(type), ...overrides };
}

function without(type: WazapinKnownEventType, field: string): Record<string, unknown> {
  const payload = sample(type);
  delete payload[field];
  return payload;
}

describe('validateWazapinPayload', () => {
  describe('valid payloads', () => {
    it.each(WAZAPIN_EVENT_TYPES)('accepts the sample %s payload', (type) => {
      expect(validateWazapinPayload(type, sample(type))).toBeUndefined();
    });

    it.each([
      ['message.new', DOCUMENTED_MESSAGE_NEW],
      ['message.status_update', DOCUMENTED_STATUS_UPDATE],
    ])("accepts the platform reference's %s example", (type, json) => {
      expect(validateWazapinPayload(type, JSON.parse(json))).toBeUndefined();
    });

    it('accepts a status the catalog does not list yet, since the platform may add some', () => {
      expect(validateWazapinPayload('message.status_update', sample('message.status_update', { status: 'played' }))).toBeUndefined();
    });

    it('accepts a null assignee_id (unassigned) and a null reason', () => {
      expect(validateWazapinPayload('conversation.updated', sample('conversation.updated', { assignee_id: null }))).toBeUndefined();
      expect(validateWazapinPayload('template.status_update', sample('template.status_update', { reason: null }))).toBeUndefined();
    });

    it('accepts a payload with only its required fields', () => {
      expect(validateWazapinPayload('message.sent', { message_id: 'm', conversation_id: 'c' })).toBeUndefined();
      expect(validateWazapinPayload('template.status_update', { status: 'approved' })).toBeUndefined();
    });

    it('accepts unknown fields and leaves the payload as it was', () => {
      const payload = sample('message.new', { preview: { text: 'hi', parts: [1, 2] }, labels: ['vip'], score: 3, empty: null });
      const before = structuredClone(payload);
      expect(validateWazapinPayload('message.new', payload)).toBeUndefined();
      expect(payload).toStrictEqual(before);
      expect(Object.getPrototypeOf(payload)).toBe(Object.prototype);
    });

    it('leaves an invalid payload as it was too', () => {
      const payload = sample('message.new', { message_id: 42, extra: { a: 1 } });
      const before = structuredClone(payload);
      expect(validateWazapinPayload('message.new', payload)).toBeDefined();
      expect(payload).toStrictEqual(before);
    });
  });

  describe('invalid payloads', () => {
    it.each(['message.new', 'message.sent', 'message.status_update'] as const)('refuses a %s without message_id, naming it', (type) => {
      expect(validateWazapinPayload(type, without(type, 'message_id'))).toEqual([
        { field: 'message_id', constraint: 'isNotEmpty', message: 'message_id should not be empty' },
        { field: 'message_id', constraint: 'isString', message: 'message_id must be a string' },
      ]);
    });

    it.each([
      ['message.new', 'conversation_id'],
      ['message.sent', 'to_phone'],
      ['message.status_update', 'status'],
      ['conversation.updated', 'assignee_id'],
      ['contact.updated', 'name'],
      ['template.status_update', 'template_name'],
    ] as const)('refuses a %s whose %s is a number, naming the field and the constraint', (type, field) => {
      expect(validateWazapinPayload(type, sample(type, { [field]: 42 }))).toEqual([
        { field, constraint: 'isString', message: `${field} must be a string` },
      ]);
    });

    it('refuses an empty required id, and a missing required status', () => {
      expect(validateWazapinPayload('contact.updated', sample('contact.updated', { contact_id: '' }))).toEqual([
        { field: 'contact_id', constraint: 'isNotEmpty', message: 'contact_id should not be empty' },
      ]);
      expect(validateWazapinPayload('template.status_update', without('template.status_update', 'status'))).toEqual([
        { field: 'status', constraint: 'isNotEmpty', message: 'status should not be empty' },
        { field: 'status', constraint: 'isString', message: 'status must be a string' },
      ]);
    });

    it('refuses a direction outside its union', () => {
      expect(validateWazapinPayload('message.new', sample('message.new', { direction: 'sideways' }))).toEqual([
        { field: 'direction', constraint: 'isIn', message: 'direction must be one of the following values: inbound, outbound' },
      ]);
      expect(validateWazapinPayload('message.new', without('message.new', 'direction'))?.map((v) => v.field)).toEqual(['direction']);
      expect(validateWazapinPayload('message.sent', sample('message.sent', { direction: 'inbound' }))).toEqual([
        { field: 'direction', constraint: 'isIn', message: 'direction must be one of the following values: outbound' },
      ]);
    });

    it('refuses null in an optional field typed as a string only', () => {
      expect(validateWazapinPayload('message.new', sample('message.new', { contact_id: null }))).toEqual([
        { field: 'contact_id', constraint: 'isString', message: 'contact_id must be a string' },
      ]);
    });

    it('lists every failed constraint of every field', () => {
      const violations = validateWazapinPayload('message.new', { message_id: 1, conversation_id: '', direction: 'x' });
      expect(violations?.map(({ field, constraint }) => `${field}:${constraint}`).sort()).toEqual([
        'conversation_id:isNotEmpty',
        'direction:isIn',
        'message_id:isString',
      ]);
    });
  });

  describe('event types outside the catalog', () => {
    it.each(['order.created', 'unknown', '', '__proto__', 'constructor', 'toString', 'hasOwnProperty'])(
      'answers undefined for %p, whatever the payload',
      (type) => {
        expect(validateWazapinPayload(type, { anything: [1, 2, 3] })).toBeUndefined();
        expect(validateWazapinPayload(type, null as unknown as Record<string, unknown>)).toBeUndefined();
      },
    );
  });

  describe('hostile payloads', () => {
    afterEach(() => {
      expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('x');
      expect(Object.getOwnPropertyNames(WazapinMessageNewPayloadDto.prototype)).toEqual(['constructor']);
    });

    const REQUIRED = '"message_id":"m","conversation_id":"c","direction":"inbound"';

    it('neither pollutes a prototype nor counts the fields of a __proto__ key', () => {
      expect(validateWazapinPayload('message.new', JSON.parse(`{"__proto__":{"x":1},${REQUIRED}}`))).toBeUndefined();
      const hidden = JSON.parse(`{"__proto__":{${REQUIRED}}}`);
      expect(validateWazapinPayload('message.new', hidden)?.map((v) => v.field)).toEqual(
        expect.arrayContaining(['message_id', 'conversation_id', 'direction']),
      );
      expect(({} as Record<string, unknown>).x).toBeUndefined();
    });

    it('validates a payload with __proto__ or constructor keys against its DTO all the same', () => {
      for (const key of ['__proto__', 'constructor']) {
        const json = `{"${key}":{"x":1},"message_id":42,"conversation_id":"c","direction":"inbound"}`;
        const payload = JSON.parse(json);
        expect(validateWazapinPayload('message.new', payload)).toEqual([
          { field: 'message_id', constraint: 'isString', message: 'message_id must be a string' },
        ]);
        expect(JSON.stringify(payload)).toBe(json);
        expect(Object.getPrototypeOf(payload)).toBe(Object.prototype);
      }
    });

    it.each([
      ['an array', ['m']],
      ['an object', { toString: 'm', nested: { deep: [{}] } }],
      ['a boolean', true],
    ])('refuses %s where a string belongs', (_what, value) => {
      expect(validateWazapinPayload('message.new', sample('message.new', { message_id: value }))).toEqual([
        { field: 'message_id', constraint: 'isString', message: 'message_id must be a string' },
      ]);
    });

    it.each([
      ['an array', [sample('message.new')]],
      ['null', null],
      ['a string', 'message_id'],
      ['a number', 42],
    ])('refuses %s as the payload, without throwing', (_what, payload) => {
      expect(validateWazapinPayload('message.new', payload as unknown as Record<string, unknown>)).toEqual([
        { field: '', constraint: 'isObject', message: 'the payload must be an object' },
      ]);
    });

    it('handles 10,000 fields and deep nesting, valid or not', () => {
      let deep: unknown = 'bottom';
      for (let level = 0; level < 10_000; level++) {
        deep = { deep, list: [deep] };
      }
      const payload = sample('message.new', { deep });
      for (let index = 0; index < 10_000; index++) {
        payload[`field_${index}`] = { index, values: [index, String(index)] };
      }
      expect(validateWazapinPayload('message.new', payload)).toBeUndefined();
      payload.direction = deep;
      expect(validateWazapinPayload('message.new', payload)?.map((v) => v.constraint)).toEqual(['isIn']);
    });

    it('handles very long strings, and quotes none of them in a violation', () => {
      const long = 'x'.repeat(10_000_000);
      expect(validateWazapinPayload('message.new', sample('message.new', { message_id: long, [long.slice(0, 100_000)]: long }))).toBeUndefined();
      const violations = validateWazapinPayload('message.new', sample('message.new', { direction: long, from_phone: [long] }));
      expect(violations?.map((v) => v.field).sort()).toEqual(['direction', 'from_phone']);
      expect(violations?.every((v) => v.message.length < 200)).toBe(true);
    });

    it('answers a violation, without throwing, for a payload whose fields cannot be read', () => {
      const getter = sample('message.new');
      Object.defineProperty(getter, 'message_id', {
        get: () => {
          throw new Error('no');
        },
      });
      const proxy = new Proxy(sample('message.new'), {
        get: () => {
          throw new Error('no');
        },
      });
      for (const payload of [getter, proxy]) {
        expect(validateWazapinPayload('message.new', payload)).toEqual([
          { field: '', constraint: 'isReadable', message: 'the payload could not be read' },
        ]);
      }
    });
  });
});

describe('WAZAPIN_PAYLOAD_DTOS', () => {
  it('has a DTO for every catalogued event type, and for nothing else', () => {
    expect(Object.keys(WAZAPIN_PAYLOAD_DTOS).sort()).toEqual([...WAZAPIN_EVENT_TYPES].sort());
  });

  it('is frozen', () => {
    expect(Object.isFrozen(WAZAPIN_PAYLOAD_DTOS)).toBe(true);
  });
});
