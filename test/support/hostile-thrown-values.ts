/** Values a handler may throw that are not Errors, or are Errors that resist being read. */
export const HOSTILE: [string, () => unknown][] = [
  ['Object.create(null)', () => Object.create(null)],
  ['undefined', () => undefined],
  ['null', () => null],
  ['a symbol', () => Symbol('thrown')],
  ['a string with a forged log line', () => 'boom\n[Nest] 1 - ERROR forged \u001b[31mred'],
  ['an Error whose message forges a log line', () => new Error('boom\n[Nest] 1 - LOG [Auth] forged \u001b[31mred')],
  ['an object whose toString throws', () => ({ toString: () => { throw new Error('no toString'); } })],
  [
    'a Proxy that throws on every trap',
    () =>
      new Proxy(
        {},
        {
          get: () => { throw new Error('trap'); },
          getPrototypeOf: () => { throw new Error('trap'); },
          has: () => { throw new Error('trap'); },
          ownKeys: () => { throw new Error('trap'); },
        },
      ),
  ],
  [
    'an Error whose message and stack getters throw',
    () => {
      const error = new Error('x');
      Object.defineProperty(error, 'message', { get: () => { throw new Error('message getter'); } });
      Object.defineProperty(error, 'stack', { get: () => { throw new Error('stack getter'); } });
      return error;
    },
  ],
];
