/**
 * What the status-order e2e specs share (issue 13, "Status order"): apps booted with the
 * `statusOrder` options, a handler recording every run it makes, a client that retries like the
 * platform, and the checks of a storm of random orders.
 */
import { Injectable, type Type } from '@nestjs/common';
import { EventEmitter2, EventEmitterModule } from '@nestjs/event-emitter';
import {
  OnWazapinEvent,
  WazapinWebhooksModule,
  type WazapinEvent,
  type WazapinStaleStatus,
  type WazapinWebhooksModuleOptions,
} from '../../lib/index.js';
import { signWazapinDelivery } from '../../lib/testing/index.js';
import { SeededRandom } from '../support/seeded-random.js';
import { startTestApp, type AdapterName, type TestApp } from '../support/webhook-app.js';

export const STATUSES = ['sent', 'delivered', 'read', 'failed'] as const;
export type Status = (typeof STATUSES)[number];
/** The contract's default ranks. */
export const DEFAULT_RANKS: Readonly<Record<string, number>> = { sent: 1, delivered: 2, read: 3, failed: 2 };
/** The orders seen in the wild (issue 13), sent one after another: each status, and whether it is stale. */
export const ORDERS_IN_THE_WILD: [string, string[], boolean[]][] = [
  ['sent, read, delivered', ['sent', 'read', 'delivered'], [false, false, true]],
  ['delivered, sent', ['delivered', 'sent'], [false, true]],
  ['sent, failed', ['sent', 'failed'], [false, false]],
  ['read, failed', ['read', 'failed'], [false, true]],
  ['delivered, failed', ['delivered', 'failed'], [false, true]],
  ['failed, delivered', ['failed', 'delivered'], [false, true]],
];

export const ROUTE = '/webhooks/wazapin/message.status_update';
/** The exact bodies the route answers. */
export const RECEIVED = '{"received":true}';
export const STALE = '{"received":true,"stale":true}';
export const DUPLICATE = '{"received":true,"duplicate":true}';
/** `WazapinWebhookEvents.StaleStatus`, by the name the contract gives it. */
export const STALE_STATUS_EVENT = 'wazapin.status.stale';

/** The status-order options. */
export type StatusOrderOptions = Pick<WazapinWebhooksModuleOptions, 'statusOrder' | 'statusRanks'>;
export type ForRootOptions = Parameters<typeof WazapinWebhooksModule.forRoot>[0];

export type StatusEvent = WazapinEvent<'message.status_update'>;

/** One run of the recording handler. */
export interface HandlerRun {
  /** The app (instance) whose handler ran. */
  app: string;
  account: string;
  tenant: string | undefined;
  deliveryId: string;
  messageId: unknown;
  status: unknown;
  /** `event.stale` as the handler saw it, `'absent'` when the event has no such property. */
  stale: unknown;
  /** Order in which runs started and ended, on one counter shared by every app of the process. */
  startSeq: number;
  endSeq?: number;
  /** Whether the run succeeded; undefined while it runs. */
  ok?: boolean;
}

/** What the recording handler does beyond recording. */
export interface HandlerBehaviour {
  /** Milliseconds to wait inside the handler. */
  delayMs?: (event: StatusEvent) => number;
  /** A promise to wait for inside the handler (to hold it open). */
  hold?: (event: StatusEvent) => Promise<void> | undefined;
  /** Throw, after waiting, when this says so. */
  fail?: (event: StatusEvent, run: HandlerRun) => boolean;
}

/** Every status-update handler run of every app of the process, in the order they started. */
export class StatusLog {
  readonly runs: HandlerRun[] = [];
  behaviour: HandlerBehaviour = {};
  active = 0;
  private seq = 0;

  reset(): void {
    this.runs.length = 0;
    this.behaviour = {};
  }

  /** Runs of one message, in the order they started. */
  of(messageId: unknown, filter: (run: HandlerRun) => boolean = () => true): HandlerRun[] {
    return this.runs.filter((run) => run.messageId === messageId && filter(run));
  }

  /** Statuses the handler saw for a message, in the order they started. */
  statuses(messageId: unknown): unknown[] {
    return this.of(messageId).map((run) => run.status);
  }

  /** A handler provider for the app labelled `label`. */
  handlerClass(label: string): Type<unknown> {
    const log = this;
    @Injectable()
    class StatusRecorder {
      @OnWazapinEvent('message.status_update')
      async record(event: StatusEvent) {
        const run: HandlerRun = {
          app: label,
          account: event.account,
          tenant: event.tenant,
          deliveryId: event.id,
          messageId: (event.payload as { message_id?: unknown }).message_id,
          status: event.payload.status,
          stale: 'stale' in event ? event.stale : 'absent',
          startSeq: ++log.seq,
        };
        log.runs.push(run);
        log.active++;
        try {
          const delay = log.behaviour.delayMs?.(event) ?? 0;
          if (delay > 0) {
            await new Promise((resolve) => setTimeout(resolve, delay));
          }
          await log.behaviour.hold?.(event);
          if (log.behaviour.fail?.(event, run)) {
            run.ok = false;
            throw new Error(`handler failed on purpose (${String(run.status)})`);
          }
          run.ok = true;
        } finally {
          run.endSeq = ++log.seq;
          log.active--;
        }
      }
    }
    return StatusRecorder;
  }
}

export interface StatusApp extends TestApp {
  readonly label: string;
  /** Payloads emitted as `wazapin.status.stale` on this app. */
  readonly staleEmissions: WazapinStaleStatus[];
  /** Whether {@link close} ran. */
  closed: boolean;
}

/** Boots an app with `registrations` (each a forRoot's options), EventEmitterModule, and a recording handler. */
export async function startStatusApp(
  label: string,
  log: StatusLog,
  registrations: ForRootOptions[],
  adapter: AdapterName = 'express',
): Promise<StatusApp> {
  const test = await startTestApp(adapter, {
    imports: [EventEmitterModule.forRoot(), ...registrations.map((options) => WazapinWebhooksModule.forRoot(options))],
    providers: [log.handlerClass(label)],
  });
  const staleEmissions: WazapinStaleStatus[] = [];
  test.app.get(EventEmitter2).on(STALE_STATUS_EVENT, (payload: WazapinStaleStatus) => staleEmissions.push(payload));
  const app: StatusApp = {
    ...test,
    label,
    staleEmissions,
    closed: false,
    close: async () => {
      if (!app.closed) {
        app.closed = true;
        await test.close();
      }
    },
  };
  return app;
}

/** The stale emissions of one message, as `{ id, status, rank }`. */
export function staleEmissionsOf(apps: readonly StatusApp[], messageId: unknown): { id: unknown; status: unknown; rank: unknown }[] {
  return apps
    .flatMap((app) => app.staleEmissions)
    .filter((emission) => (emission.event?.payload as { message_id?: unknown } | undefined)?.message_id === messageId)
    .map((emission) => ({ id: emission.event?.id, status: emission.event?.payload.status, rank: emission.rank }));
}

let deliverySequence = 0;
/** A delivery id used once in the process. */
export const newDeliveryId = (label = 'st') => `msg_${label}_${++deliverySequence}_${Date.now().toString(36)}`;
let messageSequence = 0;
/** A message id used once in the process. */
export const newMessageId = (label = 'm') => `wamid.${label}.${++messageSequence}.${Math.random().toString(36).slice(2, 8)}`;

/** A `message.status_update` body. */
export const statusBody = (messageId: unknown, status: string): Record<string, unknown> => ({
  message_id: messageId,
  conversation_id: 'conv_status_order',
  status,
  organization_id: 'org_1',
});

export interface Answer {
  status: number;
  text: string;
  /** Milliseconds this attempt took. */
  ms: number;
}

/** One attempt: signs afresh (new timestamp and signature, same id) and posts. Status 0 when no answer came. */
export async function attempt(url: string, secret: string, id: string, body: object): Promise<Answer> {
  const signed = signWazapinDelivery({ secret, id, body });
  const started = Date.now();
  try {
    const response = await fetch(url, { method: 'POST', headers: signed.headers, body: signed.body });
    return { status: response.status, text: await response.text(), ms: Date.now() - started };
  } catch (error) {
    return { status: 0, text: String(error), ms: Date.now() - started };
  }
}

export interface Delivered {
  id: string;
  body: object;
  attempts: Answer[];
  /** The 2xx answer. */
  final: Answer;
}

/**
 * Sends a delivery as the platform does: on any non-2xx (or no answer), the same delivery id
 * again, signed afresh, after 20–50 ms, until a 2xx; fails after `maxAttempts`. `url` picks the
 * target of each attempt (one instance or another).
 */
export async function deliverUntilAcknowledged(
  url: string | (() => string),
  secret: string,
  id: string,
  body: object,
  options: { maxAttempts?: number } = {},
): Promise<Delivered> {
  const maxAttempts = options.maxAttempts ?? 60;
  const attempts: Answer[] = [];
  for (;;) {
    const answer = await attempt(typeof url === 'string' ? url : url(), secret, id, body);
    attempts.push(answer);
    if (answer.status >= 200 && answer.status < 300) {
      return { id, body, attempts, final: answer };
    }
    if (attempts.length >= maxAttempts) {
      throw new Error(`delivery ${id} not acknowledged after ${maxAttempts} attempts: ${attempts.map((a) => `${a.status} ${a.text}`).join(' | ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20 + Math.floor(Math.random() * 31)));
  }
}

/** Sends `statuses` of one message one after the other, each acknowledged before the next, the i-th to `urls[i % urls.length]`. */
export async function sendInOrder(urls: readonly string[], secret: string, messageId: unknown, statuses: readonly string[]): Promise<Delivered[]> {
  const delivered: Delivered[] = [];
  for (const [index, status] of statuses.entries()) {
    delivered.push(await deliverUntilAcknowledged(urls[index % urls.length], secret, newDeliveryId('seq'), statusBody(messageId, status)));
  }
  return delivered;
}

export interface StormOptions {
  apps: readonly StatusApp[];
  log: StatusLog;
  secret: string;
  seed: number;
  mode: 'drop' | 'flag';
  /** Messages in all, and how many of them are sent at once. */
  messages: number;
  perRound: number;
  /** Called once everything is acknowledged, before the checks: e.g. closing the apps so background handlers finish. */
  settle?: () => Promise<void>;
  /**
   * `dispatch: 'queue'`: the route drops only what it already knows is stale, and the worker
   * may drop an update the route answered received; such an update must be emitted as stale.
   */
  queued?: boolean;
}

export interface StormResult {
  seed: number;
  /** Every way the run broke the contract; empty when it kept it. */
  violations: string[];
  summary: string;
}

/**
 * Random orders (seeded): each message's four statuses in an order of its own, `perRound`
 * messages at a time, all their updates sent at once, each attempt to a randomly chosen app,
 * retried like the platform. Then checks, per message, what its handler saw and what each
 * delivery was answered.
 */
export async function statusStorm(options: StormOptions): Promise<StormResult> {
  const { apps, log, secret, seed, mode } = options;
  const rng = new SeededRandom(seed);
  const violations: string[] = [];
  const answerCounts = new Map<number, number>();
  let staleAnswers = 0;
  const messages: { messageId: string; order: Status[]; delivered: Map<Status, Delivered> }[] = [];

  for (let first = 0; first < options.messages; first += options.perRound) {
    const round = Array.from({ length: Math.min(options.perRound, options.messages - first) }, (_, i) => ({
      messageId: `wamid.storm.${seed}.${first + i}.${Math.random().toString(36).slice(2, 8)}`,
      order: rng.shuffle(STATUSES),
      delivered: new Map<Status, Delivered>(),
    }));
    messages.push(...round);
    const sends: Promise<void>[] = [];
    // Started in each message's order, all at once: the first status of every message, then the second, ...
    for (let position = 0; position < STATUSES.length; position++) {
      for (const message of round) {
        const status = message.order[position];
        const id = newDeliveryId('storm');
        sends.push(
          deliverUntilAcknowledged(() => apps[rng.int(0, apps.length - 1)].url + ROUTE, secret, id, statusBody(message.messageId, status)).then(
            (delivered) => void message.delivered.set(status, delivered),
            (error: unknown) => void violations.push(`${message.messageId} ${status}: ${String(error)}`),
          ),
        );
      }
    }
    await Promise.all(sends);
  }
  await options.settle?.();

  for (const { messageId, order, delivered } of messages) {
    const where = `${messageId} (sent in the order ${order.join(', ')})`;
    for (const [status, d] of delivered) {
      for (const a of d.attempts) {
        answerCounts.set(a.status, (answerCounts.get(a.status) ?? 0) + 1);
        if (!(a.status >= 200 && a.status < 300) && a.status !== 409) {
          violations.push(`${where}: ${status} was answered ${a.status} ${a.text} (only 2xx and 409 expected)`);
        }
      }
    }
    const runs = log.of(messageId);
    if (runs.some((run) => run.ok !== true)) {
      violations.push(`${where}: a handler run failed or did not finish: ${JSON.stringify(runs)}`);
    }
    if (mode === 'drop') {
      const ranks = runs.map((run) => DEFAULT_RANKS[String(run.status)]);
      if (!ranks.every((rank, i) => i === 0 || rank > ranks[i - 1])) {
        violations.push(`${where}: the handler saw ${runs.map((r) => r.status).join(', ')}, ranks ${ranks.join(', ')}, not strictly increasing`);
      }
      if (ranks[ranks.length - 1] !== 3) {
        violations.push(`${where}: the last status the handler saw is ${String(runs[runs.length - 1]?.status)}, not read`);
      }
      const overlapping = runs.findIndex((run, i) => i > 0 && (runs[i - 1].endSeq ?? Infinity) > run.startSeq);
      if (overlapping > 0) {
        violations.push(`${where}: handler runs ${overlapping - 1} and ${overlapping} of one message overlapped`);
      }
      const stale = new Set<string>();
      for (const status of STATUSES) {
        const d = delivered.get(status);
        if (!d) {
          continue;
        }
        const handled = runs.filter((run) => run.deliveryId === d.id).length;
        if (d.final.text === STALE) {
          staleAnswers++;
          stale.add(status);
          if (handled !== 0) {
            violations.push(`${where}: ${status} was answered stale but its handler ran`);
          }
        } else if (d.final.text === RECEIVED) {
          if (options.queued && handled === 0 && staleEmissionsOf(apps, messageId).some((e) => e.id === d.id)) {
            stale.add(status);
          } else if (handled !== 1) {
            violations.push(`${where}: ${status} was answered ${RECEIVED} but its handler ran ${handled} times`);
          }
        } else {
          violations.push(`${where}: ${status} was answered ${d.final.text}, neither ${RECEIVED} nor ${STALE}`);
        }
      }
      const emitted = staleEmissionsOf(apps, messageId)
        .map((e) => String(e.status))
        .sort();
      if (JSON.stringify(emitted) !== JSON.stringify([...stale].sort())) {
        violations.push(`${where}: emitted as stale ${JSON.stringify(emitted)}, answered stale ${JSON.stringify([...stale].sort())}`);
      }
    } else {
      const seen = runs.map((run) => String(run.status)).sort();
      if (JSON.stringify(seen) !== JSON.stringify([...STATUSES].sort())) {
        violations.push(`${where}: in 'flag' mode the handler saw ${JSON.stringify(runs.map((r) => r.status))}, not each status once`);
      }
      if (runs.some((run) => typeof run.stale !== 'boolean')) {
        violations.push(`${where}: event.stale not a boolean: ${JSON.stringify(runs.map((r) => r.stale))}`);
      }
      const fresh = runs.filter((run) => run.stale === false);
      const ranks = fresh.map((run) => DEFAULT_RANKS[String(run.status)]);
      if (!ranks.every((rank, i) => i === 0 || rank > ranks[i - 1])) {
        violations.push(`${where}: fresh updates ${fresh.map((r) => r.status).join(', ')} not in strictly increasing rank`);
      }
      const overlapping = fresh.findIndex((run, i) => i > 0 && (fresh[i - 1].endSeq ?? Infinity) > run.startSeq);
      if (overlapping > 0) {
        violations.push(`${where}: the handlers of two fresh updates of one message overlapped`);
      }
      const read = runs.find((run) => run.status === 'read');
      if (read?.stale !== false) {
        violations.push(`${where}: read was not flagged fresh (stale: ${String(read?.stale)})`);
      }
      for (const run of runs.filter((r) => r.stale === true)) {
        staleAnswers++;
        // Stale means a status of at least its rank was handled (succeeded) before it was decided.
        const rank = DEFAULT_RANKS[String(run.status)];
        const before = fresh.find((f) => DEFAULT_RANKS[String(f.status)] >= rank && (f.endSeq ?? Infinity) < run.startSeq);
        if (!before) {
          violations.push(`${where}: ${String(run.status)} was flagged stale with no status of rank >= ${rank} handled before it`);
        }
      }
    }
  }
  const summary =
    `seed ${seed}, ${messages.length} messages (${mode}): answers ${JSON.stringify(Object.fromEntries(answerCounts))}, ` +
    `${staleAnswers} stale updates, ${violations.length} violations`;
  return { seed, violations, summary };
}

/** Fails with the seed and the first violations of a storm, if it had any. */
export function expectNoViolations(result: StormResult): void {
  expect({ seed: result.seed, violations: result.violations.slice(0, 20), count: result.violations.length }).toEqual({
    seed: result.seed,
    violations: [],
    count: 0,
  });
}
