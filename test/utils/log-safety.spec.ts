import { errorMessage, errorStack } from '../../lib/utils/error-message.js';
import { printable } from '../../lib/utils/printable.js';

describe('printable', () => {
  it('escapes what could forge or colour a log line', () => {
    expect(printable('x\n[Nest] 1  - ERROR forged')).toBe('x\\x0a[Nest] 1  - ERROR forged');
    expect(printable('\u001b[31mred\u001b[0m')).toBe('\\x1b[31mred\\x1b[0m');
    expect(printable('csi\u009b2J del\u007f')).toBe('csi\\x9b2J del\\x7f');
    expect(printable('a\u2028b\u202ec')).toBe('a\\u2028b\\u202ec');
  });

  it('leaves ordinary text alone, unicode included', () => {
    expect(printable('message.new msg_2bT ✓ Ünïcode')).toBe('message.new msg_2bT ✓ Ünïcode');
  });

  it('cuts long text', () => {
    expect(printable('a'.repeat(500), 10)).toBe(`${'a'.repeat(10)}…`);
  });
});

describe('errorMessage', () => {
  it('reads an Error, a string and other values', () => {
    expect(errorMessage(new Error('boom'))).toBe('boom');
    expect(errorMessage('plain')).toBe('plain');
    expect(errorMessage(42)).toBe('42');
    expect(errorMessage(undefined)).toBe('undefined');
  });

  it('never throws, whatever was thrown', () => {
    const hostile = [
      Object.create(null),
      { toString: () => { throw new Error('no'); } },
      new Proxy({}, { get: () => { throw new Error('trap'); }, getPrototypeOf: () => { throw new Error('trap'); } }),
      Symbol('s'),
      Object.assign(Object.create(null), { message: 'not an error' }),
    ];
    for (const value of hostile) {
      expect(typeof errorMessage(value)).toBe('string');
      expect(() => errorStack(value)).not.toThrow();
    }
  });

  it('escapes control characters an error message quotes', () => {
    expect(errorMessage(new Error('bad id x\n[forged]'))).toBe('bad id x\\x0a[forged]');
  });
});

describe('errorStack', () => {
  it('escapes the message the stack repeats, and keeps the frames on their lines', () => {
    const error = new Error('unknown command: hi\n[Nest] 1  - LOG [Auth] admin logged in \u001b[32m');
    const stack = errorStack(error)!;
    const [header, ...frames] = stack.split('\n');

    expect(header).toBe('Error: unknown command: hi\\x0a[Nest] 1  - LOG [Auth] admin logged in \\x1b[32m');
    expect(frames.length).toBeGreaterThan(0);
    expect(frames.every((frame) => frame.startsWith('    at '))).toBe(true);
    expect(stack).not.toMatch(/\u001b/);
  });

  it('is undefined for what is not an Error', () => {
    expect(errorStack('a string')).toBeUndefined();
    expect(errorStack({ stack: 'fake' })).toBeUndefined();
  });
});
