import { FINGERPRINT_WORDS, fingerprintKey } from '../../lib/idempotency/key-fingerprint.js';

const fingerprint = (key: string) => {
  const out = new Uint32Array(FINGERPRINT_WORDS);
  fingerprintKey(key, out);
  return [...out].join(',');
};

describe('fingerprintKey', () => {
  it('gives one key the same fingerprint every time, and writes it at the offset asked', () => {
    const out = new Uint32Array(FINGERPRINT_WORDS * 2);
    fingerprintKey('delivery:message.new:msg_1', out, FINGERPRINT_WORDS);
    expect([...out.subarray(0, FINGERPRINT_WORDS)]).toEqual([0, 0, 0, 0]);
    expect([...out.subarray(FINGERPRINT_WORDS)].join(',')).toBe(fingerprint('delivery:message.new:msg_1'));
  });

  it('tells apart keys that differ only in length, a trailing NUL, the order of two characters, or a character above 0xFF', () => {
    const keys = ['', '\0', 'a', 'a\0', 'ab', 'ba', 'abcdefgh', 'abcdefgh\0', 'abcdefghi', 'é', 'e\u0301', '\u{1F600}', '\uD83D', 'Ā', 'ā'];
    expect(new Set(keys.map(fingerprint)).size).toBe(keys.length);
  });

  it('gives 300,000 keys made as the receiver makes them 300,000 fingerprints', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 100_000; i++) {
      seen.add(fingerprint(`delivery:message.status_update:msg_${i}`));
      seen.add(fingerprint(`message:message.status_update:wamid.${i}:delivered`));
      seen.add(fingerprint(`message:message.status_update:wamid.${i}:read`));
    }
    expect(seen.size).toBe(300_000);
  });

  it('changes about half the bits of the fingerprint when one character of the key changes', () => {
    const bits = (a: string, b: string) => {
      let differing = 0;
      const x = new Uint32Array(FINGERPRINT_WORDS);
      const y = new Uint32Array(FINGERPRINT_WORDS);
      fingerprintKey(a, x);
      fingerprintKey(b, y);
      for (let w = 0; w < FINGERPRINT_WORDS; w++) {
        for (let v = x[w] ^ y[w]; v !== 0; v &= v - 1) {
          differing++;
        }
      }
      return differing;
    };
    let total = 0;
    const trials = 2000;
    for (let i = 0; i < trials; i++) {
      total += bits(`delivery:message.new:msg_${i}`, `delivery:message.new:msg_${i + 1}`);
    }
    expect(total / trials).toBeGreaterThan(60);
    expect(total / trials).toBeLessThan(68);
  });
});
