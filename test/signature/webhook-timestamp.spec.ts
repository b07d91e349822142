import { checkWebhookTimestamp } from '../../lib/signature/webhook-timestamp.js';

const NOW = 1_700_000_000;

describe('checkWebhookTimestamp', () => {
  it('accepts the current second and returns it as a Date', () => {
    expect(checkWebhookTimestamp(String(NOW), 300, NOW)).toEqual({ ok: true, timestamp: new Date(NOW * 1000) });
  });

  it.each([
    [300, -300],
    [300, 300],
    [10, -10],
    [10, 10],
  ])('with tolerance %i accepts an offset of %i s, the bound included', (tolerance, offset) => {
    expect(checkWebhookTimestamp(String(NOW + offset), tolerance, NOW)).toEqual({ ok: true, timestamp: new Date((NOW + offset) * 1000) });
  });

  it.each([
    [300, -301, 'timestamp-too-old'],
    [300, -86_400, 'timestamp-too-old'],
    [300, 301, 'timestamp-too-new'],
    [300, 86_400, 'timestamp-too-new'],
    [10, -11, 'timestamp-too-old'],
    [10, 11, 'timestamp-too-new'],
  ])('with tolerance %i rejects an offset of %i s as %s', (tolerance, offset, reason) => {
    expect(checkWebhookTimestamp(String(NOW + offset), tolerance, NOW)).toEqual({ ok: false, reason });
  });

  it('rejects the epoch and negative seconds as too old, not as malformed', () => {
    expect(checkWebhookTimestamp('0', 300, NOW)).toEqual({ ok: false, reason: 'timestamp-too-old' });
    expect(checkWebhookTimestamp('-5', 300, NOW)).toEqual({ ok: false, reason: 'timestamp-too-old' });
  });

  it.each([
    ['empty', ''],
    ['a leading space', ` ${NOW}`],
    ['a trailing space', `${NOW} `],
    ['a trailing newline', `${NOW}\n`],
    ['a plus sign', `+${NOW}`],
    ['a leading zero', `0${NOW}`],
    ['a decimal point', `${NOW}.0`],
    ['a fraction', `${NOW}.5`],
    ['an exponent', '1.7e9'],
    ['hexadecimal', `0x${NOW.toString(16)}`],
    ['trailing garbage', `${NOW}abc`],
    ['digits beyond a safe integer', '9007199254740993'],
    ['negative zero', '-0'],
    ['letters', 'abc'],
    ['an ISO date', new Date(NOW * 1000).toISOString()],
  ])('rejects a timestamp with %s: only plain integer seconds are signed', (_name, header) => {
    expect(checkWebhookTimestamp(header, 300, NOW)).toEqual({ ok: false, reason: 'invalid-timestamp' });
  });
});
