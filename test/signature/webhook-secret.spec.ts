import { WazapinConfigurationError } from '../../lib/index.js';
import { decodeWebhookSecrets } from '../../lib/signature/webhook-secret.js';

/** Key bytes of a given length, including 0xfb/0xff so the base64 holds "+" and "/". */
function keyBytes(length: number, salt = 0): Buffer {
  return Buffer.from(Array.from({ length }, (_, i) => [0xfb, 0xff, 0xef, (i * 37 + salt) & 0xff][i % 4]));
}

const key24 = keyBytes(24);
const key32 = keyBytes(32, 1);
const key64 = keyBytes(64, 2);
const secret = (key: Buffer) => `whsec_${key.toString('base64')}`;

function decodeError(secrets: string | string[] | undefined): WazapinConfigurationError {
  try {
    decodeWebhookSecrets(secrets);
  } catch (error) {
    expect(error).toBeInstanceOf(WazapinConfigurationError);
    return error as WazapinConfigurationError;
  }
  throw new Error('expected decodeWebhookSecrets to throw');
}

describe('decodeWebhookSecrets', () => {
  it('decodes one secret to the key bytes behind "whsec_"', () => {
    expect(decodeWebhookSecrets(secret(key32))).toEqual([key32]);
  });

  it('accepts a secret without the whsec_ prefix', () => {
    expect(decodeWebhookSecrets(key32.toString('base64'))).toEqual([key32]);
  });

  it('decodes an array of secrets, in order', () => {
    expect(decodeWebhookSecrets([secret(key32), secret(key24)])).toEqual([key32, key24]);
  });

  it.each([
    ['a space', ' '],
    ['a comma', ','],
    ['a comma and a space', ', '],
    ['a newline', '\n'],
  ])('splits one string of several secrets separated by %s, as an environment variable holds them', (_name, separator) => {
    expect(decodeWebhookSecrets(`${secret(key32)}${separator}${secret(key24)}`)).toEqual([key32, key24]);
  });

  it('ignores surrounding whitespace and empty entries', () => {
    expect(decodeWebhookSecrets(`  ${secret(key32)} ,, ${secret(key24)}  `)).toEqual([key32, key24]);
  });

  it('flattens array entries that hold several secrets', () => {
    expect(decodeWebhookSecrets([`${secret(key32)} ${secret(key24)}`, secret(key64)])).toEqual([key32, key24, key64]);
  });

  it('skips array entries that are not strings, such as an unset environment variable during rotation', () => {
    const previous = process.env.WAZAPIN_TEST_UNSET_SECRET;
    expect(decodeWebhookSecrets([previous as string, secret(key32)])).toEqual([key32]);
  });

  it('accepts keys of 24 and 64 bytes, the bounds', () => {
    expect(decodeWebhookSecrets([secret(key24), secret(key64)])).toEqual([key24, key64]);
  });

  it.each([
    ['23 bytes', secret(keyBytes(23))],
    ['65 bytes', secret(keyBytes(65))],
    ['0 bytes', 'whsec_'], // the prefix pasted alone
  ])('rejects a key of %s, saying how long it is', (length, value) => {
    expect(decodeError(value).message).toContain(`#1 is invalid (${length})`);
  });

  it.each([
    ['base64url characters', `whsec_${key32.toString('base64url')}`],
    ['missing padding', `whsec_${key32.toString('base64').replace(/=+$/, '')}`],
    ['characters outside base64', `whsec_${key32.toString('base64').replace(/^.{4}/, 'ab!?')}`],
    ['a doubled prefix', `whsec_${secret(key32)}`],
  ])('rejects a secret with %s as not base64', (_name, value) => {
    expect(decodeError(value).message).toContain('#1 is invalid (not base64)');
  });

  it.each([
    ['an array', [secret(key32), secret(keyBytes(10)), secret(key24)]],
    ['a separated string', `${secret(key32)}, ${secret(keyBytes(10))} ${secret(key24)}`],
  ])('names the position of the bad secret in %s', (_name, value) => {
    expect(decodeError(value).message).toContain('secret #2 is invalid');
  });

  it('never puts the secret, or any part of it, in the error', () => {
    const bad = [secret(keyBytes(20, 9)), `whsec_${keyBytes(32, 7).toString('base64url')}`];
    for (const value of bad) {
      const message = decodeError(value).message;
      const encoded = value.slice('whsec_'.length);
      // No run of 6 characters of the encoded key appears in the message.
      for (let i = 0; i + 6 <= encoded.length; i++) {
        expect(message).not.toContain(encoded.slice(i, i + 6));
      }
    }
  });

  it.each([
    ['undefined', undefined],
    ['an empty string', ''],
    ['only separators', ' ,\n, '],
    ['an empty array', []],
    ['an array of empty strings', ['', ' ']],
  ])('rejects %s: a webhook route with no secret must not start', (_name, value) => {
    expect(decodeError(value as string | string[] | undefined).message).toContain('no webhook signing secret configured');
  });
});
