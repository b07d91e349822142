import type { Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { isObject } from '../wazapin-api-response.js';
import { WazapinApiError } from '../wazapin-api.error.js';
import type { WazapinApiSettings } from '../wazapin-api.settings.js';
import { describeNetworkError } from './network-error.js';
import { AnswerTooLargeError, readBoundedText } from './read-bounded-text.js';
import { redactor } from './redact.js';
import { type AttemptOutcome, backoffDelay, isIdempotent, isRetryable, neverReachedServer, parseRetryAfter } from './retry-policy.js';

/** One call to the API. */
export interface WazapinApiRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Path below the base URL, parameters already encoded. */
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
}

/** An error answer's parts, as read from `{ error: { code, message, fields } }` or similar. */
interface ErrorAnswer {
  code?: string;
  message?: string;
  fields?: Record<string, string[]>;
}

type Failure = Omit<ConstructorParameters<typeof WazapinApiError>[0], 'method' | 'path' | 'attempts'> & { outcome: AttemptOutcome };

const USER_AGENT = 'nestjs-wazapin-webhooks';
/** Largest answer read: a page of 250 deliveries is well under a megabyte. */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

function readFields(value: unknown): Record<string, string[]> | undefined {
  if (!isObject(value)) {
    return undefined;
  }
  const fields: Record<string, string[]> = {};
  for (const [field, problems] of Object.entries(value)) {
    fields[field] = (Array.isArray(problems) ? problems : [problems]).map(String);
  }
  return fields;
}

function readErrorAnswer(text: string): ErrorAnswer {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return {};
  }
  const error = isObject(body) ? body.error : undefined;
  if (typeof error === 'string') {
    return { message: error };
  }
  const source = isObject(error) ? error : isObject(body) ? body : {};
  return {
    code: typeof source.code === 'string' ? source.code : undefined,
    message: typeof source.message === 'string' ? source.message : undefined,
    fields: readFields(source.fields ?? source.errors),
  };
}

/**
 * The Wazapin API over Node's `fetch`: Bearer auth, the organization header, a time limit per
 * attempt, and retries with backoff when a retry is safe (see {@link isRetryable}). Returns the
 * parsed JSON answer; throws {@link WazapinApiError}.
 */
export class WazapinHttpClient {
  /** An API that echoes the key back must not get it into an error or a log line. */
  private readonly redact: (text: string) => string;

  constructor(
    private readonly settings: WazapinApiSettings & { apiKey: string },
    private readonly logger: Logger,
  ) {
    this.redact = redactor(settings.apiKey);
  }

  async request(request: WazapinApiRequest): Promise<unknown> {
    const path = this.pathWithQuery(request);
    let mayHaveActed = false;
    for (let attempt = 1; ; attempt += 1) {
      const result = await this.attempt(request, path);
      if (!('outcome' in result)) {
        return result.body;
      }
      const failure = this.redacted(result);
      const { outcome } = failure;
      // A DELETE whose earlier attempt may have worked finds nothing: it did work.
      if (request.method === 'DELETE' && mayHaveActed && outcome.kind === 'response' && outcome.status === 404) {
        return undefined;
      }
      mayHaveActed ||= outcome.kind === 'network' ? outcome.reachedServer : outcome.status >= 500;
      const delay = this.retryDelay(request.method, outcome, attempt);
      if (delay === undefined) {
        throw this.toError(request.method, path, attempt, failure);
      }
      this.logger.warn(this.redact(`${request.method} ${path}: ${failure.message}; retry ${attempt}/${this.settings.retries} in ${Math.round(delay)} ms`));
      await sleep(delay);
    }
  }

  /** Wait before the next attempt, or `undefined` when there must be none. */
  private retryDelay(method: string, outcome: AttemptOutcome, attempt: number): number | undefined {
    if (attempt > this.settings.retries || !isRetryable(method, outcome)) {
      return undefined;
    }
    const requested = outcome.kind === 'response' ? outcome.retryAfterMs : undefined;
    if (requested !== undefined) {
      return requested <= this.settings.maxRetryDelayMs ? requested : undefined;
    }
    return backoffDelay(attempt - 1, this.settings.retryDelayMs, this.settings.maxRetryDelayMs);
  }

  private async attempt(request: WazapinApiRequest, path: string): Promise<{ body: unknown } | Failure> {
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${this.settings.baseUrl}${path}`, {
        method: request.method,
        headers: this.headers(request.body !== undefined),
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        // Never follow a redirect: it could carry the API key elsewhere.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.settings.timeoutMs),
      });
    } catch (error) {
      return this.networkFailure(error);
    }
    try {
      text = await readBoundedText(response, MAX_ANSWER_BYTES);
    } catch (error) {
      if (error instanceof AnswerTooLargeError) {
        // The API answered, so its status decides about a retry; only the body is refused.
        return { outcome: { kind: 'response', status: response.status }, status: response.status, code: 'invalid_response', message: error.message };
      }
      return this.networkFailure(error);
    }
    if (response.status >= 200 && response.status < 300) {
      return this.parseSuccess(text, response.status);
    }
    const answer = readErrorAnswer(text);
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    return {
      outcome: { kind: 'response', status: response.status, retryAfterMs },
      status: response.status,
      code: answer.code ?? `http_${response.status}`,
      message: answer.message ?? (response.statusText || `HTTP ${response.status}`),
      fields: answer.fields,
      retryAfterSeconds: retryAfterMs === undefined ? undefined : retryAfterMs / 1000,
    };
  }

  private parseSuccess(text: string, status: number): { body: unknown } | Failure {
    if (text.trim() === '') {
      return { body: undefined };
    }
    try {
      return { body: JSON.parse(text) as unknown };
    } catch {
      return {
        // A 2xx is never retried: the call worked, only its answer is unreadable.
        outcome: { kind: 'response', status },
        status,
        code: 'invalid_response',
        message: 'the API answered with a body that is not JSON',
      };
    }
  }

  private networkFailure(error: unknown): Failure {
    const info = describeNetworkError(error);
    const timedOut = info.name === 'TimeoutError';
    const reachedServer = timedOut || !neverReachedServer(info);
    return {
      outcome: { kind: 'network', reachedServer },
      status: undefined,
      code: timedOut ? 'timeout' : 'network_error',
      message: timedOut
        ? `no answer within ${this.settings.timeoutMs} ms`
        : `could not reach the API (${info.code ?? info.message ?? 'unknown error'})`,
      cause: error,
    };
  }

  private toError(method: string, path: string, attempts: number, failure: Failure): WazapinApiError {
    const { outcome, ...details } = failure;
    const unsafe = outcome.kind === 'network' && outcome.reachedServer && !isIdempotent(method);
    const message = unsafe ? `${details.message}; the request may have reached the API, so it was not repeated` : details.message;
    // The path may carry a cursor the API sent.
    return new WazapinApiError({ ...details, message, method, path: this.redact(path), attempts });
  }

  private headers(hasBody: boolean): Record<string, string> {
    return {
      authorization: `Bearer ${this.settings.apiKey}`,
      accept: 'application/json',
      'user-agent': USER_AGENT,
      ...(hasBody ? { 'content-type': 'application/json' } : {}),
      ...(this.settings.organizationSlug ? { 'x-organization-slug': this.settings.organizationSlug } : {}),
    };
  }

  private pathWithQuery({ path, query }: WazapinApiRequest): string {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined) {
        params.set(name, String(value));
      }
    }
    const search = params.toString();
    return search ? `${path}?${search}` : path;
  }

  /** `failure` with the API key taken out of everything in it that the server or the network wrote. */
  private redacted(failure: Failure): Failure {
    const fields =
      failure.fields && Object.fromEntries(Object.entries(failure.fields).map(([field, problems]) => [this.redact(field), problems.map(this.redact)]));
    return { ...failure, code: this.redact(failure.code), message: this.redact(failure.message), fields };
  }
}
