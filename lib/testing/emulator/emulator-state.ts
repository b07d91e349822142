import type { WazapinMessage } from '../../api/interfaces/wazapin-message.interface.js';
import type { CreateWazapinEndpointDto } from '../../api/dto/create-endpoint.dto.js';
import type { UpdateWazapinEndpointDto } from '../../api/dto/update-endpoint.dto.js';
import type { WazapinDelivery, WazapinDeliveryTrigger } from '../../api/interfaces/wazapin-delivery.interface.js';
import type { WazapinEndpoint } from '../../api/interfaces/wazapin-endpoint.interface.js';
import { generateWazapinSecret } from '../sign-wazapin-delivery.js';
import type { WazapinEmulatorDeliveryFilter } from './wazapin-emulator-options.interface.js';
import { emulatorId } from './emulator-ids.js';

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
}


/** Endpoints, messages and attempts, in memory. */
export class EmulatorState {
  private readonly endpoints = new Map<string, EmulatorEndpoint>();
  private readonly messages = new Map<string, EmulatorMessage>();
  /** The WhatsApp messages that published message events named, by their `message_id`. */
  private readonly chatMessages = new Map<string, WazapinMessage>();
  /** Newest first, as the API lists them. */
  private readonly attempts: WazapinDelivery[] = [];

  listEndpoints(): EmulatorEndpoint[] {
    return [...this.endpoints.values()];
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
    return endpoint;
  }

  updateEndpoint(endpoint: EmulatorEndpoint, input: UpdateWazapinEndpointDto): EmulatorEndpoint {
    endpoint.url = input.url ?? endpoint.url;
    endpoint.description = input.description ?? endpoint.description;
    endpoint.event_types = input.event_types ?? endpoint.event_types;
    endpoint.disabled = input.disabled ?? endpoint.disabled;
    endpoint.metadata = input.metadata ?? endpoint.metadata;
    endpoint.updated_at = new Date().toISOString();
    return endpoint;
  }

  deleteEndpoint(id: string): void {
    this.endpoints.delete(id);
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
    return attempt;
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
