import { Injectable } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { EventEmitter2 } from '@nestjs/event-emitter';
import {
  OnWazapinEvent,
  WazapinDeadLetters,
  WazapinWebhookEvents,
  WazapinWebhooksModule,
  type WazapinEvent,
  type WazapinWebhooksModuleOptions,
} from '../../lib/index.js';
import { generateWazapinSecret } from '../../lib/testing/index.js';
import { deleteKeys, describeIf, redisMissing, uniquePrefix, useRedis } from '../support/redis.js';
import { waitUntil } from '../support/wait-until.js';
import { HOSTILE } from '../support/hostile-thrown-values.js';
import { startTestApp, type TestApp } from '../support/webhook-app.js';

/**
 * Whatever a handler throws, and whatever a listener of the failure does, the process keeps
 * running, the other handlers run, and the delivery can run again: released for the platform's
 * retry (inline, queue), or kept as a dead letter to replay (background).
 */
const secret = generateWazapinSecret();
const ROUTE = '/webhooks/wazapin/contact.updated';


const state = { throwValue: undefined as (() => unknown) | undefined, hostileRuns: 0, steadyRuns: 0, laterListenerCalls: 0 };

@Injectable()
class Handlers {
  @OnWazapinEvent('contact.updated')
  hostile() {
    state.hostileRuns++;
    if (state.throwValue) {
      throw state.throwValue();
    }
  }

  @OnWazapinEvent('contact.updated')
  steady(_event: WazapinEvent<'contact.updated'>) {
    state.steadyRuns++;
  }
}

describe('thrown values and throwing listeners', () => {
  const crashes: unknown[] = [];
  const onCrash = (reason: unknown) => crashes.push(reason);
  let t: TestApp | undefined;
  let sequence = 0;

  const boot = async (options: Partial<WazapinWebhooksModuleOptions>, listeners: ((emitter: EventEmitter2) => void)[] = []) => {
    t = await startTestApp('express', {
      imports: [EventEmitterModule.forRoot(), WazapinWebhooksModule.forRoot({ secrets: secret, ...options })],
      providers: [Handlers],
    });
    const emitter = t.app.get(EventEmitter2);
    listeners.forEach((listen) => listen(emitter));
    return t;
  };
  const deliver = (app: TestApp, id: string) => app.deliver({ secret, id, body: { contact_id: `c_${id}` } }, ROUTE);

  beforeAll(() => {
    process.on('unhandledRejection', onCrash);
    process.on('uncaughtException', onCrash);
  });
  afterAll(() => {
    process.off('unhandledRejection', onCrash);
    process.off('uncaughtException', onCrash);
  });
  beforeEach(() => {
    Object.assign(state, { throwValue: undefined, hostileRuns: 0, steadyRuns: 0, laterListenerCalls: 0 });
    crashes.length = 0;
  });
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  describe.each(HOSTILE)('a handler throwing %s', (_name, value) => {
    it('background: 200, logged, nothing crashes, run again alone, then a dead letter with a readable error that a replay handles', async () => {
      const app = await boot({ dispatch: 'background', handlerRetries: { attempts: 2, backoffMs: 1 } });
      const id = `msg_bg_${++sequence}`;
      state.throwValue = value;

      expect((await deliver(app, id)).status).toBe(200);
      const deadLetters = app.app.get(WazapinDeadLetters);
      await waitUntil('the delivery to be a dead letter', async () => (await deadLetters.count()) === 1);
      expect(state).toMatchObject({ hostileRuns: 2, steadyRuns: 1 });
      const [letter] = (await deadLetters.list()).deadLetters;
      expect(letter).toMatchObject({ handlers: ['Handlers.hostile'], attempts: 2 });
      expect(letter.error).not.toBe('');
      expect(letter.error).not.toMatch(/\n|\u001b/);

      state.throwValue = undefined;
      expect(await deadLetters.replay(letter.id)).toEqual({ id: letter.id, outcome: 'handled' });
      expect(state).toMatchObject({ hostileRuns: 3, steadyRuns: 1 });
      expect(crashes).toEqual([]);
      expect(app.logger.lines.every((line) => !/\n|\u001b/.test(line.message))).toBe(true);
      // The stack repeats the message: it is escaped there too, frames on their own lines.
      expect(app.logger.stacks.every((stack) => !/\u001b|\n\[Nest\]/.test(stack))).toBe(true);
    });

    it('inline: 500, then the retry runs it (the claim is not left held)', async () => {
      const app = await boot({ dispatch: 'inline' });
      const id = `msg_in_${++sequence}`;
      state.throwValue = value;

      const failed = await deliver(app, id);
      expect(failed.status).toBe(500);
      expect(failed.json).toMatchObject({ statusCode: 500 });

      state.throwValue = undefined;
      expect(await deliver(app, id)).toMatchObject({ status: 200, json: { received: true } });
      expect(state.hostileRuns).toBe(2);
      expect(crashes).toEqual([]);
    });
  });

  /** A listener registered after the throwing one: it is still called. */
  const laterListener = (emitter: EventEmitter2) => emitter.on(WazapinWebhookEvents.HandlerFailed, () => void state.laterListenerCalls++);
  const throwingListeners: [string, (emitter: EventEmitter2) => void][] = [
    ['throws', (emitter) => emitter.on(WazapinWebhookEvents.HandlerFailed, () => { throw Object.create(null); })],
    ['rejects', (emitter) => emitter.on(WazapinWebhookEvents.HandlerFailed, async () => { throw new Error('listener rejected'); })],
  ];

  describe.each(throwingListeners)('a wazapin.handler.failed listener that %s', (_name, listen) => {
    it('background: the process keeps running, the listener failure is logged, the next listener called, the delivery dead-lettered', async () => {
      const app = await boot({ dispatch: 'background', handlerRetries: { attempts: 1 } }, [listen, laterListener]);
      const id = `msg_lbg_${++sequence}`;
      state.throwValue = () => new Error('handler failed');

      expect((await deliver(app, id)).status).toBe(200);
      await waitUntil('the listener failure to be logged', () => app.logger.has('error', /listener of wazapin\.handler\.failed/));
      expect(state.laterListenerCalls).toBe(1);
      await waitUntil('the delivery to be a dead letter', async () => (await app.app.get(WazapinDeadLetters).count()) === 1);
      expect(crashes).toEqual([]);
    });

    it('inline: 500 and the retry runs', async () => {
      const app = await boot({ dispatch: 'inline' }, [listen]);
      const id = `msg_lin_${++sequence}`;
      state.throwValue = () => new Error('handler failed');

      expect((await deliver(app, id)).status).toBe(500);
      state.throwValue = undefined;
      expect((await deliver(app, id)).status).toBe(200);
      expect(crashes).toEqual([]);
    });
  });
});

describeIf(redisMissing)("thrown values in dispatch: 'queue'", () => {
  const crashes: unknown[] = [];
  const onCrash = (reason: unknown) => crashes.push(reason);
  let redis: { url: string; close(): Promise<void> };
  let prefix: string;
  let t: TestApp | undefined;
  let sequence = 0;

  beforeAll(async () => {
    redis = await useRedis();
    process.on('unhandledRejection', onCrash);
    process.on('uncaughtException', onCrash);
  });
  afterAll(async () => {
    process.off('unhandledRejection', onCrash);
    process.off('uncaughtException', onCrash);
    await redis.close();
  });
  beforeEach(() => {
    prefix = uniquePrefix('thrown');
    Object.assign(state, { throwValue: undefined, hostileRuns: 0, steadyRuns: 0 });
    crashes.length = 0;
  });
  afterEach(async () => {
    await t?.close();
    t = undefined;
    await deleteKeys(redis.url, prefix);
  });

  it.each(HOSTILE)('a handler throwing %s fails its job, which is retried, then left failed and reported; a throwing listener of that report is logged', async (_name, value) => {
    t = await startTestApp('express', {
      imports: [
        EventEmitterModule.forRoot(),
        WazapinWebhooksModule.forRoot({
          secrets: secret,
          dispatch: 'queue',
          queue: { connection: redis.url, prefix, attempts: 2, backoff: { type: 'fixed', delay: 10 } },
        }),
      ],
      providers: [Handlers],
    });
    t.app.get(EventEmitter2).on(WazapinWebhookEvents.QueueJobFailed, () => {
      throw Object.create(null);
    });
    state.throwValue = value;

    expect((await t.deliver({ secret, id: `msg_q_${++sequence}`, body: { contact_id: 'c1' } }, ROUTE)).status).toBe(200);
    await waitUntil('the exhausted job to be reported', () => t!.logger.has('error', /failed after 2 attempt\(s\) and stays in the failed set/));
    await waitUntil('the throwing listener to be logged', () => t!.logger.has('error', /listener of wazapin\.queue\.job-failed threw/));
    expect(state.hostileRuns).toBe(2);
    // The steady handler succeeded on the first attempt and was not run again.
    expect(state.steadyRuns).toBe(1);
    expect(crashes).toEqual([]);
  });
});
