import { CliUsageError } from '../cli-usage.error.js';

/** An HTTP request or status line (`POST /hooks HTTP/1.1`, `HTTP/2 200`), skipped in header dumps. */
const START_LINE = /^(?:[A-Z]+ \S+ HTTP\/[\d.]+|HTTP\/[\d.]+ \d{3}.*)$/;
/** curl -v prefixes request lines with "> " and response lines with "< ". */
const CURL_PREFIX = /^[<>] ?/;

function fromJson(value: unknown, file: string): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CliUsageError(`The --headers file ${file} holds JSON that is not an object of header names to values`);
  }
  const headers: Record<string, string> = {};
  for (const [name, raw] of Object.entries(value)) {
    const first: unknown = Array.isArray(raw) ? raw[0] : raw;
    if (typeof first === 'string' || typeof first === 'number') {
      headers[name.toLowerCase()] = String(first);
    }
  }
  return headers;
}

function fromLines(text: string, file: string): Record<string, string> {
  const headers: Record<string, string> = {};
  text.split(/\r?\n/).forEach((rawLine, index) => {
    const line = rawLine.replace(CURL_PREFIX, '').trim();
    if (line === '' || START_LINE.test(line)) {
      return;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      // The line is not quoted back: it may hold a signature.
      throw new CliUsageError(`Line ${index + 1} of the --headers file ${file} is not a "Name: value" header`);
    }
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  });
  return headers;
}

/**
 * Reads captured request headers: a JSON object (as a logger or `JSON.stringify(req.headers)`
 * writes it) or `Name: value` lines (as copied from a proxy log or `curl -v`). Names come back
 * lower-cased.
 */
export function readCapturedHeaders(text: string, file: string): Record<string, string> {
  const trimmed = text.trim();
  if (trimmed === '') {
    throw new CliUsageError(`The --headers file ${file} is empty`);
  }
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw new CliUsageError(`The --headers file ${file} starts like JSON but is not valid JSON`);
    }
    return fromJson(parsed, file);
  }
  return fromLines(text, file);
}
