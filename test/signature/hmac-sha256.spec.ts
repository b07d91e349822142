import { createHmac } from 'node:crypto';
import { HmacSha256 } from '../../lib/signature/hmac-sha256.js';
import { SeededRandom } from '../support/seeded-random.js';

/** The reference: Node's own HMAC over the same prefix and body. */
const reference = (key: Buffer, prefix: string, body: Buffer) =>
  createHmac('sha256', key).update(prefix).update(body).digest('base64');

describe('HmacSha256', () => {
  const random = new SeededRandom(20261128);
  const bytes = (length: number) => Buffer.from(Array.from({ length }, () => random.int(0, 255)));

  it.each([24, 32, 48, 63, 64])('matches createHmac for a %i-byte key across body sizes', (keyLength) => {
    const keys = [bytes(keyLength), bytes(keyLength)];
    const hmac = new HmacSha256(keys);
    const prefix = 'msg_2Lq9.1614265330.';
    // Around the one-shot limit (4096 bytes of prefix + body) both paths must agree with the reference.
    const sizes = [0, 1, 63, 64, 65, 255, 1024, 4096 - prefix.length - 1, 4096 - prefix.length, 4096 - prefix.length + 1, 65536];
    for (const size of sizes) {
      const body = bytes(size);
      keys.forEach((key, index) => expect(hmac.base64(index, prefix, body)).toBe(reference(key, prefix, body)));
    }
  });

  it('matches createHmac on a prefix with multi-byte characters and on repeated calls', () => {
    const key = bytes(32);
    const hmac = new HmacSha256([key]);
    for (let i = 0; i < 200; i++) {
      const prefix = `msg_é${'✓'.repeat(random.int(0, 40))}.${random.int(0, 2 ** 31)}.`;
      const body = bytes(random.int(0, 5000));
      expect(hmac.base64(0, prefix, body)).toBe(reference(key, prefix, body));
    }
  });

  it('refuses keys longer than one SHA-256 block', () => {
    expect(() => new HmacSha256([bytes(65)])).toThrow(/longer than 64 bytes/);
  });
});
