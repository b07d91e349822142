import type { WazapinMessage } from '../../api/interfaces/wazapin-message.interface.js';
import type { CreateWazapinEndpointDto } from '../../api/dto/create-endpoint.dto.js';
import type { UpdateWazapinEndpointDto } from '../../api/dto/update-endpoint.dto.js';
import type { WazapinDelivery, WazapinDeliveryTrigger } from '../../api/interfaces/wazapin-delivery.interface.js';
import type { WazapinEndpoint } from '../../api/interfaces/wazapin-endpoint.interface.js';
import { generateWazapinSecret } from '../sign-wazapin-delivery.js';
import type { WazapinEmulatorDeliveryFilter, WazapinEmulatorFault } from './wazapin-emulator-options.interface.js';
import { emulatorId } from './emulator-ids.js';
import type { WazapinEmulatorEndpoint } from './wazapin-emulator-endpoint.interface.js';

/** An endpoint as the emulator keeps it, with its current and rotated-out secrets. */
export interface EmulatorEndpoint {
  id: string;
  url: string;
  /** A Svix field this package does not model: clients must keep such fields. */
  version: number;
  description: string;
  event_types: string[];
  disabled: boolean;
  metadata: Record<string, string>;
  created_at: string;
  updated_at: string;
  secret: string;
  /** Rotated-out secrets, each signing until `expiresAt` (ms since the epoch). */
  previousSecrets: { secret: string; expiresAt: number }[];
}

/** A published event: one body, delivered under one id to each of its endpoints. */
export interface EmulatorMessage {
  id: string;
  eventType: string;
  /** The exact body every attempt sends. */
  body: string;
  endpointIds: string[];
  /** Endpoints whose first attempt of this message still gets the fault it was published with. */
  firstAttemptFaults?: Map<string, WazapinEmulatorFault>;
}

/** What one attempt sent and got back, beyond the attempt record the API lists. */
export interface AttemptExchange {
  fault: WazapinEmulatorFault | null;
  /** Null when the attempt was not sent. */
  request: { method: 'POST'; url: string; headers: Record<string, string>; body: string } | null;
  /** For each signature entry, in order: whether the endpoint's current secret made it, and that secret's end. */
  signedWith: { secret: 'current' | 'previous'; suffix: string }[];
  responseHeaders: Record<string, string> | null;
}

/** What changed, for the live stream: an attempt (started, finished, retry scheduled) or the endpoints. */
export type EmulatorChange = { kind: 'attempt'; attempt: WazapinDelivery } | { kind: 'endpoints' };


/** Endpoints, messages and attempts, in memory. */
export class EmulatorState {
  private readonly endpoints = new Map<string, EmulatorEndpoint>();
  private readonly messages = new Map<string, EmulatorMessage>();
  /** The WhatsApp messages that published message events named, by their `message_id`. */
  private readonly chatMessages = new Map<string, WazapinMessage>();
  /** Newest first, as the API lists them. */
  private readonly attempts: WazapinDelivery[] = [];
  private readonly attemptsById = new Map<string, WazapinDelivery>();
  private readonly exchanges = new Map<string, AttemptExchange>();
  private readonly listeners = new Set<(change: EmulatorChange) => void>();

  /** Calls `listener` on every change until the returned function is called. */
  subscribe(listener: (change: EmulatorChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tells the listeners that `change` happened. */
  changed(change: EmulatorChange): void {
    this.listeners.forEach((listener) => listener(change));
  }

  listEndpoints(): EmulatorEndpoint[] {
    return [...this.endpoints.values()];
  }

  /** Endpoints with their secrets, the rotated-out ones only while they still sign. */
  endpointsWithSecrets(): WazapinEmulatorEndpoint[] {
    const now = Date.now();
    return this.listEndpoints().map(({ previousSecrets, ...endpoint }) => ({
      ...endpoint,
      previous_secrets: previousSecrets.filter((previous) => previous.expiresAt > now).map((previous) => previous.secret),
    }));
  }

  endpoint(id: string): EmulatorEndpoint | undefined {
    return this.endpoints.get(id);
  }

  createEndpoint(input: CreateWazapinEndpointDto): EmulatorEndpoint {
    const now = new Date().toISOString();
    const endpoint: EmulatorEndpoint = {
      id: emulatorId('ep'),
      url: input.url,
      version: 1,
      description: input.description ?? '',
      event_types: input.event_types ?? [],
      disabled: input.disabled ?? false,
      metadata: input.metadata ?? {},
      created_at: now,
      updated_at: now,
      secret: input.secret ?? generateWazapinSecret(),
      previousSecrets: [],
    };
    this.endpoints.set(endpoint.id, endpoint);
    this.changed({ kind: 'endpoints' });
    return endpoint;
  }

  updateEndpoint(endpoint: EmulatorEndpoint, input: UpdateWazapinEndpointDto): EmulatorEndpoint {
    endpoint.url = input.url ?? endpoint.url;
    endpoint.description = input.description ?? endpoint.description;
    endpoint.event_types = input.event_types ?? endpoint.event_types;
    endpoint.disabled = input.disabled ?? endpoint.disabled;
    endpoint.metadata = input.metadata ?? endpoint.metadata;
    endpoint.updated_at = new Date().toISOString();
    this.changed({ kind: 'endpoints' });
    return endpoint;
  }

  deleteEndpoint(id: string): void {
    this.endpoints.delete(id);
    this.changed({ kind: 'endpoints' });
  }

  /** Replaces the secret; the old one keeps signing for `graceMs`. */
  rotateSecret(endpoint: EmulatorEndpoint, graceMs: number): EmulatorEndpoint {
    const now = Date.now();
    endpoint.previousSecrets = [
      ...endpoint.previousSecrets.filter((previous) => previous.expiresAt > now),
      { secret: endpoint.secret, expiresAt: now + graceMs },
    ];
    endpoint.secret = generateWazapinSecret();
    endpoint.updated_at = new Date(now).toISOString();
    this.changed({ kind: 'endpoints' });
    return endpoint;
  }

  /** The secrets that sign a delivery to `endpoint` now: the current one and those in grace. */
  signingSecrets(endpoint: EmulatorEndpoint): string[] {
    const now = Date.now();
    return [endpoint.secret, ...endpoint.previousSecrets.filter((previous) => previous.expiresAt > now).map((p) => p.secret)];
  }

  /** Enabled endpoints whose filter lets `eventType` through (an empty filter lets all through). */
  subscribers(eventType: string): EmulatorEndpoint[] {
    return this.listEndpoints().filter(
      (endpoint) => !endpoint.disabled && (endpoint.event_types.length === 0 || endpoint.event_types.includes(eventType)),
    );
  }

  addMessage(message: EmulatorMessage): void {
    this.messages.set(message.id, message);
  }

  message(id: string): EmulatorMessage | undefined {
    return this.messages.get(id);
  }

  addChatMessage(message: WazapinMessage): void {
    this.chatMessages.set(message.id, message);
  }

  chatMessage(id: string): WazapinMessage | undefined {
    return this.chatMessages.get(id);
  }

  /** Records an attempt that is starting; the caller completes the returned record. */
  startAttempt(message: EmulatorMessage, endpoint: EmulatorEndpoint, trigger: WazapinDeliveryTrigger): WazapinDelivery {
    const previous = this.attempts.filter((a) => a.message_id === message.id && a.endpoint_id === endpoint.id).length;
    const attempt: WazapinDelivery = {
      id: emulatorId('atmpt'),
      message_id: message.id,
      endpoint_id: endpoint.id,
      event_type: message.eventType,
      status: 'sending',
      response_status_code: null,
      response: null,
      response_duration_ms: null,
      attempt: previous + 1,
      timestamp: new Date().toISOString(),
      url: endpoint.url,
      trigger,
    };
    this.attempts.unshift(attempt);
    this.attemptsById.set(attempt.id, attempt);
    this.changed({ kind: 'attempt', attempt });
    return attempt;
  }

  attempt(id: string): WazapinDelivery | undefined {
    return this.attemptsById.get(id);
  }

  recordExchange(attemptId: string, exchange: AttemptExchange): void {
    this.exchanges.set(attemptId, exchange);
  }

  exchange(attemptId: string): AttemptExchange | undefined {
    return this.exchanges.get(attemptId);
  }

  /** Attempts matching `filter`, newest first. */
  listAttempts(filter: WazapinEmulatorDeliveryFilter = {}): WazapinDelivery[] {
    return this.attempts.filter(
      (a) =>
        (filter.endpoint_id === undefined || a.endpoint_id === filter.endpoint_id) &&
        (filter.message_id === undefined || a.message_id === filter.message_id) &&
        (filter.status === undefined || a.status === filter.status) &&
        (filter.event_type === undefined || a.event_type === filter.event_type) &&
        (filter.since === undefined || a.timestamp >= new Date(filter.since).toISOString()) &&
        (filter.until === undefined || a.timestamp < new Date(filter.until).toISOString()),
    );
  }

  /** Endpoints of `message` whose latest attempt failed. */
  failedEndpointIds(message: EmulatorMessage): string[] {
    return message.endpointIds.filter((endpointId) => this.listAttempts({ message_id: message.id, endpoint_id: endpointId })[0]?.status === 'failed');
  }
}
