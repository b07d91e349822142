import type { IncomingMessage } from 'node:http';
import { EmulatorHttpError } from './emulator-http-error.js';

const MAX_BODY_BYTES = 1024 * 1024;

/** A path segment, percent-decoded; a malformed one answers 400. */
export function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new EmulatorHttpError(400, 'bad_request', 'Malformed path');
  }
}

/** The request's JSON body, or `undefined` when it has none; too large answers 413, not JSON 400. */
export async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      throw new EmulatorHttpError(413, 'payload_too_large', 'Request body too large');
    }
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') {
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new EmulatorHttpError(400, 'invalid_json', 'The request body is not valid JSON');
  }
}
