import { inspect } from 'node:util';
import { printable } from './printable.js';

const UNDESCRIBABLE = 'a thrown value that cannot be described';

/**
 * The message of a thrown value, for logs, escaped as {@link printable}: an Error's message,
 * anything else as text. Never throws, whatever was thrown: `String(Object.create(null))`
 * does, and so may a Proxy or an object whose `toString` throws.
 */
export function errorMessage(error: unknown): string {
  try {
    return printable(error instanceof Error ? String(error.message) : typeof error === 'string' ? error : String(error), 1000);
  } catch {
    try {
      return printable(inspect(error, { depth: 1, breakLength: Infinity }), 1000);
    } catch {
      return UNDESCRIBABLE;
    }
  }
}

/** Where V8's stack trace leaves the error's own text for its frames. */
const FIRST_FRAME = '\n    at ';

/**
 * The stack of a thrown Error, for logs; `undefined` for anything else or when reading it
 * throws. Its first part repeats the message, which may quote a request: that part is escaped
 * as {@link printable}, and the frames keep their line breaks.
 */
export function errorStack(error: unknown): string | undefined {
  try {
    if (!(error instanceof Error) || typeof error.stack !== 'string') {
      return undefined;
    }
    const { stack } = error;
    const frames = stack.indexOf(FIRST_FRAME);
    const header = frames === -1 ? stack : stack.slice(0, frames);
    const rest = frames === -1 ? '' : stack.slice(frames);
    return printable(header, 1000) + rest.split('\n').map((line) => printable(line, 1000)).join('\n');
  } catch {
    return undefined;
  }
}
