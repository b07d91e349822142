import { dedupeKeys, dedupeNamespace } from '../../lib/receiving/dedupe-keys.js';

/** Whether two deliveries would be treated as the same event: they share a claim key. */
function collide(a: string[], b: string[]): boolean {
  return a.some((key) => b.includes(key));
}

describe('dedupeKeys', () => {
  it('keys every delivery by its delivery id, so a retry of it is a duplicate', () => {
    const first = dedupeKeys('msg_1', 'contact.updated', { contact_id: 'c1' });
    const retry = dedupeKeys('msg_1', 'contact.updated', { contact_id: 'c1' });

    expect(first).toHaveLength(1);
    expect(collide(first, retry)).toBe(true);
  });

  it('keeps deliveries with other ids apart when they carry no message id', () => {
    expect(collide(dedupeKeys('msg_1', 'contact.updated', { contact_id: 'c1' }), dedupeKeys('msg_2', 'contact.updated', { contact_id: 'c1' }))).toBe(false);
  });

  it('treats one message event sent under two delivery ids as one', () => {
    const a = dedupeKeys('msg_1', 'message.new', { message_id: 'm1' });
    const b = dedupeKeys('msg_2', 'message.new', { message_id: 'm1' });

    expect(a).toHaveLength(2);
    expect(collide(a, b)).toBe(true);
  });

  it('keeps different event types of one message apart (message.new, then message.sent)', () => {
    expect(collide(dedupeKeys('msg_1', 'message.new', { message_id: 'm1' }), dedupeKeys('msg_2', 'message.sent', { message_id: 'm1' }))).toBe(false);
  });

  it('keeps each status of a message apart, so delivered and read both run', () => {
    const delivered = dedupeKeys('msg_1', 'message.status_update', { message_id: 'm1', status: 'delivered' });
    const read = dedupeKeys('msg_2', 'message.status_update', { message_id: 'm1', status: 'read' });
    const deliveredAgain = dedupeKeys('msg_3', 'message.status_update', { message_id: 'm1', status: 'delivered' });

    expect(collide(delivered, read)).toBe(false);
    expect(collide(delivered, deliveredAgain)).toBe(true);
  });

  it('keeps one delivery id apart by event type, so a delivery replayed to another type cannot take the genuine claim', () => {
    expect(collide(dedupeKeys('msg_1', 'contact.updated', {}), dedupeKeys('msg_1', 'template.status_update', {}))).toBe(false);
    expect(collide(dedupeKeys('a:b', 'c', {}), dedupeKeys('b', 'a:c', {}))).toBe(false);
  });

  it('does not confuse a delivery id with a message id of the same text', () => {
    const keys = dedupeKeys('same', 'message.new', { message_id: 'same' });

    expect(new Set(keys).size).toBe(2);
    expect(collide(dedupeKeys('same', 'contact.updated', {}), dedupeKeys('other', 'message.new', { message_id: 'same' }))).toBe(false);
  });

  it.each([
    ['empty', ''],
    ['a number', 42],
    ['null', null],
  ])('adds no message key when message_id is %s', (_name, messageId) => {
    expect(dedupeKeys('msg_1', 'message.new', { message_id: messageId })).toHaveLength(1);
  });

  it('keeps the keys of accounts and tenants apart, and the default registration keeps the keys it had', () => {
    const payload = { message_id: 'm1' };
    const namespaces = [
      dedupeNamespace('default'),
      dedupeNamespace('acme'),
      dedupeNamespace('globex'),
      dedupeNamespace('default', 'customer-1'),
      dedupeNamespace('default', 'customer-2'),
      dedupeNamespace('acme', 'customer-1'),
    ];
    const keys = namespaces.map((namespace) => dedupeKeys('msg_1', 'message.new', payload, namespace));

    expect(keys[0]).toEqual(dedupeKeys('msg_1', 'message.new', payload));
    keys.forEach((a, i) => keys.slice(i + 1).forEach((b) => expect(collide(a, b)).toBe(false)));
  });
});
