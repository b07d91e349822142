import { randomBytes } from 'node:crypto';

/** Words of a key fingerprint: 128 bits. */
export const FINGERPRINT_WORDS = 4;

const C1 = 0x239b961b;
const C2 = 0xab0e9789;
const C3 = 0x38b34ae5;
const C4 = 0xa1e38b93;

// Seeded at random per process: fingerprints never leave it, and a sender who cannot know the
// seed cannot aim two keys at one fingerprint.
const [SEED1, SEED2, SEED3, SEED4] = new Uint32Array(randomBytes(16).buffer);

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Two UTF-16 code units of `key` from `at` as one word; past the end they count as 0. */
function word(key: string, at: number): number {
  return (key.charCodeAt(at) & 0xffff) | ((key.charCodeAt(at + 1) & 0xffff) << 16);
}

/**
 * Writes the 128-bit fingerprint of `key` into `out` (four words, from `offset`): MurmurHash3
 * x86_128 over the key's UTF-16 code units, two to a word. Two distinct keys share a
 * fingerprint with probability about 2^-128, so a store of a million keys can treat equal
 * fingerprints as equal keys. Computed in JavaScript: a receiver fingerprints every key it
 * claims and completes, and a call into `crypto` (MD5, before) cost several times as much for
 * keys this short.
 */
export function fingerprintKey(key: string, out: Uint32Array, offset = 0): void {
  const length = key.length;
  let h1 = SEED1;
  let h2 = SEED2;
  let h3 = SEED3;
  let h4 = SEED4;
  let at = 0;
  for (; at + 8 <= length; at += 8) {
    h1 ^= Math.imul(rotl(Math.imul(word(key, at), C1), 15), C2);
    h1 = (Math.imul(((rotl(h1, 19) + h2) | 0), 5) + 0x561ccd1b) | 0;
    h2 ^= Math.imul(rotl(Math.imul(word(key, at + 2), C2), 16), C3);
    h2 = (Math.imul(((rotl(h2, 17) + h3) | 0), 5) + 0x0bcaa747) | 0;
    h3 ^= Math.imul(rotl(Math.imul(word(key, at + 4), C3), 17), C4);
    h3 = (Math.imul(((rotl(h3, 15) + h4) | 0), 5) + 0x96cd1c35) | 0;
    h4 ^= Math.imul(rotl(Math.imul(word(key, at + 6), C4), 18), C1);
    h4 = (Math.imul(((rotl(h4, 13) + h1) | 0), 5) + 0x32ac3b17) | 0;
  }
  if (at < length) {
    // The tail, zero-padded: a zero word changes nothing, and the length is mixed in below.
    h1 ^= Math.imul(rotl(Math.imul(word(key, at), C1), 15), C2);
    h2 ^= Math.imul(rotl(Math.imul(word(key, at + 2), C2), 16), C3);
    h3 ^= Math.imul(rotl(Math.imul(word(key, at + 4), C3), 17), C4);
    h4 ^= Math.imul(rotl(Math.imul(word(key, at + 6), C4), 18), C1);
  }
  h1 ^= length;
  h2 ^= length;
  h3 ^= length;
  h4 ^= length;
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h3 = fmix(h3);
  h4 = fmix(h4);
  h1 = (h1 + h2 + h3 + h4) | 0;
  out[offset] = h1;
  out[offset + 1] = h2 + h1;
  out[offset + 2] = h3 + h1;
  out[offset + 3] = h4 + h1;
}
