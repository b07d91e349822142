import { inferWazapinEventType } from '../../lib/events/infer-event-type.js';

const MESSAGE = { message_id: '9f1fd66d-c37a-4b50-a8c2-b4dca523f9c8', conversation_id: '0f89b0f9-74b4-44f9-b9b6-48f6d4de57aa' };

describe('inferWazapinEventType', () => {
  describe('the examples of the platform reference', () => {
    it('reads the inbound text example as message.new', () => {
      const example = {
        ...MESSAGE,
        contact_id: 'c1a2b3c4-d5e6-7890-abcd-ef1234567890',
        channel_id: 'wzp_abc123',
        direction: 'inbound',
        from_phone: '6281234567890',
        msg_type: 'text',
      };
      expect(inferWazapinEventType(example)).toBe('message.new');
    });

    it('reads the status example as message.status_update', () => {
      expect(inferWazapinEventType({ ...MESSAGE, status: 'delivered', organization_id: 'org_123' })).toBe('message.status_update');
    });
  });

  describe('rule 1: a message id and a message status mean message.status_update', () => {
    it.each(['sent', 'delivered', 'read', 'failed'])('status %s', (status) => {
      expect(inferWazapinEventType({ ...MESSAGE, status })).toBe('message.status_update');
    });

    it('wins over a direction', () => {
      expect(inferWazapinEventType({ ...MESSAGE, status: 'read', direction: 'outbound' })).toBe('message.status_update');
    });
  });

  describe('rule 2: a message id and direction "outbound" mean message.sent', () => {
    it('even when a phone number is present', () => {
      expect(inferWazapinEventType({ ...MESSAGE, direction: 'outbound', from_phone: '6281234567890' })).toBe('message.sent');
    });

    it('also for a message sent from a template', () => {
      expect(inferWazapinEventType({ ...MESSAGE, direction: 'outbound', template_name: 'order_update', msg_type: 'template' })).toBe('message.sent');
    });
  });

  describe('rule 3: a message id and direction "inbound" or a from_phone mean message.new', () => {
    it.each([{ direction: 'inbound' }, { from_phone: '6281234567890' }])('%j', (fields) => {
      expect(inferWazapinEventType({ ...MESSAGE, ...fields })).toBe('message.new');
    });

    it('wins over a status that is not a message status', () => {
      expect(inferWazapinEventType({ ...MESSAGE, status: 'pending', direction: 'inbound' })).toBe('message.new');
    });
  });

  describe('rule 4: a message id and another status mean message.status_update', () => {
    it.each(['pending', 'deleted', 'queued'])('status %s', (status) => {
      expect(inferWazapinEventType({ ...MESSAGE, status })).toBe('message.status_update');
    });
  });

  describe('rule 5: a template field without a message id means template.status_update', () => {
    it.each([{ template_id: 'tpl_1', status: 'APPROVED' }, { template_name: 'order_update', status: 'REJECTED' }])('%j', (payload) => {
      expect(inferWazapinEventType(payload)).toBe('template.status_update');
    });

    it('gives way to the message rules', () => {
      expect(inferWazapinEventType({ ...MESSAGE, template_name: 'order_update', status: 'sent' })).toBe('message.status_update');
    });
  });

  describe('rule 6: a conversation id without a message id means conversation.updated', () => {
    it.each([{ conversation_id: 'conv_1' }, { conversation_id: 'conv_1', contact_id: 'contact_1', status: 'closed' }])('%j', (payload) => {
      expect(inferWazapinEventType(payload)).toBe('conversation.updated');
    });
  });

  describe('rule 7: a contact id without conversation or message id means contact.updated', () => {
    it('for a contact profile change', () => {
      expect(inferWazapinEventType({ contact_id: 'contact_1', name: 'Budi' })).toBe('contact.updated');
    });
  });

  describe('no guess', () => {
    it.each([
      ['an empty object', {}],
      ['unrelated fields', { foo: 'bar', id: 1 }],
      ['a message id with nothing that says which message event', { ...MESSAGE }],
      ['an unknown direction', { ...MESSAGE, direction: 'sideways' }],
      ['empty identifiers', { template_id: '', message_id: '', conversation_id: '', contact_id: '' }],
      ['identifiers that are not strings', { template_id: 7, conversation_id: null, contact_id: 42 }],
    ])('for %s', (_name, payload) => {
      expect(inferWazapinEventType(payload)).toBeUndefined();
    });
  });
});
