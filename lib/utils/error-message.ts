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

/** The stack of a thrown Error, for logs; `undefined` for anything else or when reading it throws. */
export function errorStack(error: unknown): string | undefined {
  try {
    return error instanceof Error && typeof error.stack === 'string' ? error.stack : undefined;
  } catch {
    return undefined;
  }
}
