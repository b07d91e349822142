import * as crypto from 'node:crypto';

/** Words of a key fingerprint: the 128 bits of an MD5 digest. */
export const FINGERPRINT_WORDS = 4;

// `crypto.hash` (Node 20.12+) digests in one call without creating a Hash object; older
// versions take the long way round. MD5 serves as a well-mixed 128-bit fingerprint of keys the
// platform signed, not as a defence against forgery.
const oneShotHash: typeof crypto.hash | undefined = crypto.hash;
/** The digest as a string of 16 byte-valued characters ('binary' is latin1). */
const md5Binary: (key: string) => string = oneShotHash
  ? (key) => oneShotHash('md5', key, 'binary')
  : (key) => crypto.createHash('md5').update(key).digest('binary');

/** The 128-bit fingerprint of `key` as a string of 16 characters, for a `Map` key. */
export function keyDigest(key: string): string {
  return md5Binary(key);
}

/**
 * Writes the 128-bit fingerprint of `key` into `out` (four words, from `offset`). Two distinct
 * keys share a fingerprint with probability 2^-128, so a store of a million keys can treat equal
 * fingerprints as equal keys.
 */
export function fingerprintKey(key: string, out: Uint32Array, offset = 0): void {
  const digest = md5Binary(key);
  for (let word = 0; word < FINGERPRINT_WORDS; word++) {
    const at = word * 4;
    out[offset + word] =
      (digest.charCodeAt(at) | (digest.charCodeAt(at + 1) << 8) | (digest.charCodeAt(at + 2) << 16) | (digest.charCodeAt(at + 3) << 24)) >>> 0;
  }
}
