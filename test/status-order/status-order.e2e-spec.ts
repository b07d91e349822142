import { randomInt } from 'node:crypto';
import { WazapinDeadLetters, WazapinWebhookEvents } from '../../lib/index.js';
import { generateWazapinSecret } from '../../lib/testing/index.js';
import { seedFromEnv } from '../support/seeded-random.js';
import { waitUntil } from '../support/wait-until.js';
import { deferred, type AdapterName } from '../support/webhook-app.js';
import {
  attempt,
  DUPLICATE,
  deliverUntilAcknowledged,
  newDeliveryId,
  newMessageId,
  RECEIVED,
  ROUTE,
  sendInOrder,
  STALE,
  STALE_STATUS_EVENT,
  staleEmissionsOf,
  startStatusApp,
  statusBody,
  StatusLog,
  statusStorm,
  type ForRootOptions,
  type StatusApp,
  type StatusOrderOptions,
  DEFAULT_RANKS,
  ORDERS_IN_THE_WILD as ORDERS,
  expectNoViolations,
} from './status-order-harness.js';

// Issue 13, "Status order": with `statusOrder`, the module keeps per message the highest status
// rank handled, and an update whose rank is not above it is stale: flagged ('flag') or not
// dispatched ('drop'). Here with the default in-memory store, on one instance; the Redis spec
// runs the fleet. Replay the random orders with STATUS_ORDER_SEED=<seed printed on failure>.

const SEED = seedFromEnv('STATUS_ORDER_SEED', randomInt(2 ** 31));
const secret = generateWazapinSecret();
const log = new StatusLog();
const apps: StatusApp[] = [];

const boot = async (options: Partial<ForRootOptions> & StatusOrderOptions, adapter: AdapterName = 'express', label = 'app') => {
  const app = await startStatusApp(label, log, [{ secrets: secret, ...options } as ForRootOptions], adapter);
  apps.push(app);
  return app;
};
const closeApps = () => Promise.all(apps.splice(0).map((app) => app.close()));
/** One delivery of a status, retried like the platform until 2xx. */
const send = (app: StatusApp, messageId: unknown, status: string, id = newDeliveryId()) =>
  deliverUntilAcknowledged(app.url + ROUTE, secret, id, statusBody(messageId, status));

/** The orders seen in the wild, and which of each order's updates are stale. */

it('exports the stale-status event name', () => {
  expect(WazapinWebhookEvents.StaleStatus).toBe(STALE_STATUS_EVENT);
});

describe.each<[AdapterName, 'inline' | 'background', 'drop' | 'flag']>([
  ['express', 'inline', 'drop'],
  ['express', 'inline', 'flag'],
  ['express', 'background', 'drop'],
  ['fastify', 'inline', 'drop'],
  ['fastify', 'inline', 'flag'],
])('orders seen in the wild, sent one after the other (%s, %s dispatch, %s)', (adapter, dispatch, mode) => {
  let app: StatusApp;
  beforeAll(async () => {
    log.reset();
    app = await boot({ dispatch, statusOrder: mode }, adapter);
  });
  afterAll(closeApps);

  it.each(ORDERS)('%s', async (_name, statuses, stale) => {
    const messageId = newMessageId('wild');
    const delivered = await sendInOrder([app.url + ROUTE], secret, messageId, statuses);
    const fresh = statuses.filter((_, i) => !stale[i]);

    if (mode === 'drop') {
      expect(delivered.map((d) => d.final.text)).toEqual(stale.map((s) => (s ? STALE : RECEIVED)));
      await waitUntil('the fresh updates to be handled', () => log.of(messageId, (run) => run.ok !== undefined).length >= fresh.length);
      expect(log.statuses(messageId)).toEqual(fresh);
      expect(log.of(messageId).every((run) => run.ok)).toBe(true);
      const staleDeliveries = delivered.filter((_, i) => stale[i]);
      expect(staleEmissionsOf([app], messageId)).toEqual(
        staleDeliveries.map((d) => ({ id: d.id, status: (d.body as { status: string }).status, rank: DEFAULT_RANKS[(d.body as { status: string }).status] })),
      );
      // A stale update is deduplicated as usual: its retry is a duplicate, neither run nor emitted again.
      for (const d of staleDeliveries) {
        expect((await attempt(app.url + ROUTE, secret, d.id, d.body)).text).toBe(DUPLICATE);
      }
      expect(log.statuses(messageId)).toEqual(fresh);
      expect(staleEmissionsOf([app], messageId)).toHaveLength(staleDeliveries.length);
    } else {
      expect(delivered.map((d) => [d.final.status, (JSON.parse(d.final.text) as { received?: unknown }).received])).toEqual(
        statuses.map(() => [200, true]),
      );
      expect(log.of(messageId).map((run) => [run.status, run.stale])).toEqual(statuses.map((status, i) => [status, stale[i]]));
    }
  });
});

describe('status order, in memory', () => {
  beforeEach(() => log.reset());
  afterEach(closeApps);

  it('without statusOrder nothing changes: every update is handled, answered as before, with no event.stale', async () => {
    const app = await boot({ dispatch: 'inline' });
    const messageId = newMessageId('unset');
    const delivered = await sendInOrder([app.url + ROUTE], secret, messageId, ['read', 'delivered', 'sent']);
    expect(delivered.map((d) => d.final.text)).toEqual([RECEIVED, RECEIVED, RECEIVED]);
    expect(log.of(messageId).map((run) => [run.status, run.stale])).toEqual([
      ['read', 'absent'],
      ['delivered', 'absent'],
      ['sent', 'absent'],
    ]);
    expect(app.staleEmissions).toEqual([]);
  });

  it("serialises one message's handlers: a second update waits for the first, up to about a second, then 409; other messages are not held", async () => {
    const app = await boot({ dispatch: 'inline', statusOrder: 'drop' });
    const held = newMessageId('held');
    const other = newMessageId('other');
    const gate = deferred();
    log.behaviour.hold = (event) => (event.payload.message_id === held && event.payload.status === 'sent' ? gate.promise : undefined);

    const sentId = newDeliveryId();
    const first = attempt(app.url + ROUTE, secret, sentId, statusBody(held, 'sent'));
    // Released whatever happens, so a failing check does not leave a handler (and the app's close) hanging.
    const shortGate = deferred();
    try {
      await waitUntil('the sent handler to start', () => log.of(held).length === 1);

      const readId = newDeliveryId();
      let readAnswered = false;
      const second = attempt(app.url + ROUTE, secret, readId, statusBody(held, 'read')).finally(() => (readAnswered = true));
      // Another message is handled meanwhile, while the held one's second update still waits.
      const otherAnswer = await attempt(app.url + ROUTE, secret, newDeliveryId(), statusBody(other, 'delivered'));
      expect(otherAnswer).toMatchObject({ status: 200, text: RECEIVED });
      expect(log.statuses(other)).toEqual(['delivered']);
      expect(readAnswered).toBe(false);

      const busy = await Promise.race([second, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 5000))]);
      expect(busy).not.toBe('hung');
      // Answered 409 while the first is still being handled, and its handler did not run beside it.
      expect(busy).toMatchObject({ status: 409 });
      expect(log.statuses(held)).toEqual(['sent']);

      gate.resolve();
      expect(await first).toMatchObject({ status: 200, text: RECEIVED });
      // The platform's retry of the 409 is then handled, fresh.
      expect((await deliverUntilAcknowledged(app.url + ROUTE, secret, readId, statusBody(held, 'read'))).final.text).toBe(RECEIVED);
      expect(log.statuses(held)).toEqual(['sent', 'read']);

      // A first update released within the wait: the second is handled after it, without a 409.
      const quick = newMessageId('quick');
      log.behaviour.hold = (event) => (event.payload.message_id === quick && event.payload.status === 'sent' ? shortGate.promise : undefined);
      const quickFirst = attempt(app.url + ROUTE, secret, newDeliveryId(), statusBody(quick, 'sent'));
      await waitUntil('the quick sent handler to start', () => log.of(quick).length === 1);
      const quickSecond = attempt(app.url + ROUTE, secret, newDeliveryId(), statusBody(quick, 'delivered'));
      setTimeout(() => shortGate.resolve(), 150);
      expect(await quickFirst).toMatchObject({ status: 200, text: RECEIVED });
      expect(await quickSecond).toMatchObject({ status: 200, text: RECEIVED });
      const [sentRun, deliveredRun] = log.of(quick);
      expect([sentRun.status, deliveredRun.status]).toEqual(['sent', 'delivered']);
      expect(deliveredRun.startSeq).toBeGreaterThan(sentRun.endSeq ?? Infinity);
    } finally {
      gate.resolve();
      shortGate.resolve();
    }
  });

  describe('a failed handler does not advance the rank', () => {
    it('inline: the first delivered throws (500), its retry is fresh and handled, a later sent is stale', async () => {
      const app = await boot({ dispatch: 'inline', statusOrder: 'drop' });
      const messageId = newMessageId('fail');
      let failures = 1;
      log.behaviour.fail = (event) => event.payload.status === 'delivered' && failures-- > 0;
      const deliveredId = newDeliveryId();

      expect((await attempt(app.url + ROUTE, secret, deliveredId, statusBody(messageId, 'delivered'))).status).toBe(500);
      expect((await attempt(app.url + ROUTE, secret, deliveredId, statusBody(messageId, 'delivered'))).text).toBe(RECEIVED);
      expect(log.of(messageId).map((run) => [run.status, run.ok])).toEqual([
        ['delivered', false],
        ['delivered', true],
      ]);
      expect((await send(app, messageId, 'sent')).final.text).toBe(STALE);
      expect(log.statuses(messageId)).toEqual(['delivered', 'delivered']);
    });

    it('inline: a read that threw leaves a later delivered fresh; the read retried is fresh too, then sent and failed are stale', async () => {
      const app = await boot({ dispatch: 'inline', statusOrder: 'drop' });
      const messageId = newMessageId('fail-read');
      let failures = 1;
      log.behaviour.fail = (event) => event.payload.status === 'read' && failures-- > 0;
      const readId = newDeliveryId();
      const deliveredId = newDeliveryId();

      expect((await attempt(app.url + ROUTE, secret, readId, statusBody(messageId, 'read'))).status).toBe(500);
      expect((await send(app, messageId, 'delivered', deliveredId)).final.text).toBe(RECEIVED);
      expect((await send(app, messageId, 'read', readId)).final.text).toBe(RECEIVED);
      expect((await send(app, messageId, 'sent')).final.text).toBe(STALE);
      expect((await send(app, messageId, 'failed')).final.text).toBe(STALE);
      expect((await attempt(app.url + ROUTE, secret, deliveredId, statusBody(messageId, 'delivered'))).text).toBe(DUPLICATE);
      expect(log.of(messageId).map((run) => [run.status, run.ok])).toEqual([
        ['read', false],
        ['delivered', true],
        ['read', true],
      ]);
    });

    it("inline, 'flag': the failed read and its retry are both flagged fresh, as is the delivered between them", async () => {
      const app = await boot({ dispatch: 'inline', statusOrder: 'flag' });
      const messageId = newMessageId('fail-flag');
      let failures = 1;
      log.behaviour.fail = (event) => event.payload.status === 'read' && failures-- > 0;
      const readId = newDeliveryId();

      expect((await attempt(app.url + ROUTE, secret, readId, statusBody(messageId, 'read'))).status).toBe(500);
      await send(app, messageId, 'delivered');
      await send(app, messageId, 'read', readId);
      await send(app, messageId, 'sent');
      expect(log.of(messageId).map((run) => [run.status, run.ok, run.stale])).toEqual([
        ['read', false, false],
        ['delivered', true, false],
        ['read', true, false],
        ['sent', true, true],
      ]);
    });

    it('background: a read whose handler failed for good (a dead letter) leaves a later delivered fresh; replayed, it is handled', async () => {
      const app = await boot({ dispatch: 'background', statusOrder: 'drop', handlerRetries: { attempts: 1 } });
      const messageId = newMessageId('fail-bg');
      let failures = 1;
      log.behaviour.fail = (event) => event.payload.status === 'read' && failures-- > 0;
      const readId = newDeliveryId();
      const settled = (count: number) => () => log.of(messageId, (run) => run.ok !== undefined).length === count;
      const deadLetters = app.app.get(WazapinDeadLetters);

      expect((await send(app, messageId, 'read', readId)).final.text).toBe(RECEIVED);
      await waitUntil('the read to be a dead letter', async () => (await deadLetters.count()) === 1);
      // No handler saw the read: its rank is not recorded, and the delivered after it is fresh.
      expect((await send(app, messageId, 'delivered')).final.text).toBe(RECEIVED);
      await waitUntil('the delivered handler to run', settled(2));
      // Set aside, not released: a copy is a duplicate, and the replay is the way to run it.
      expect((await attempt(app.url + ROUTE, secret, readId, statusBody(messageId, 'read'))).text).toBe(DUPLICATE);
      const [letter] = (await deadLetters.list()).deadLetters;
      expect(await deadLetters.replay(letter.id)).toMatchObject({ outcome: 'handled' });
      expect((await send(app, messageId, 'sent')).final.text).toBe(STALE);
      expect(log.of(messageId).map((run) => [run.status, run.ok])).toEqual([
        ['read', false],
        ['delivered', true],
        ['read', true],
      ]);
    });
  });

  it.each<['drop' | 'flag']>([['drop'], ['flag']])(
    'statusRanks custom (%s): read then failed both fresh, played above them; an unranked queued after read is handled, not stale, and sent after it still stale',
    async (mode) => {
      const app = await boot({ dispatch: 'inline', statusOrder: mode, statusRanks: { sent: 1, delivered: 2, read: 3, failed: 4, played: 5 } });
      const messageId = newMessageId('ranks');
      const delivered = await sendInOrder([app.url + ROUTE], secret, messageId, ['read', 'failed', 'queued', 'sent']);
      const played = newMessageId('played');
      const playedThen = await sendInOrder([app.url + ROUTE], secret, played, ['failed', 'played', 'read', 'delivered']);
      if (mode === 'drop') {
        expect(delivered.map((d) => d.final.text)).toEqual([RECEIVED, RECEIVED, RECEIVED, STALE]);
        expect(log.statuses(messageId)).toEqual(['read', 'failed', 'queued']);
        expect(playedThen.map((d) => d.final.text)).toEqual([RECEIVED, RECEIVED, STALE, STALE]);
        expect(log.statuses(played)).toEqual(['failed', 'played']);
      } else {
        expect(log.of(messageId).map((run) => [run.status, run.stale])).toEqual([
          ['read', false],
          ['failed', false],
          ['queued', false],
          ['sent', true],
        ]);
        expect(log.of(played).map((run) => [run.status, run.stale])).toEqual([
          ['failed', false],
          ['played', false],
          ['read', true],
          ['delivered', true],
        ]);
      }
    },
  );

  it('default ranks: a status without a rank (queued, pending) is never stale and changes nothing', async () => {
    const app = await boot({ dispatch: 'inline', statusOrder: 'flag' });
    const messageId = newMessageId('unranked');
    await sendInOrder([app.url + ROUTE], secret, messageId, ['queued', 'sent', 'read', 'pending', 'delivered']);
    expect(log.of(messageId).map((run) => [run.status, run.stale])).toEqual([
      ['queued', false],
      ['sent', false],
      ['read', false],
      ['pending', false],
      ['delivered', true],
    ]);
  });

  it("is per message: one message's statuses do not make another's stale", async () => {
    const app = await boot({ dispatch: 'inline', statusOrder: 'drop' });
    const [m1, m2] = [newMessageId('one'), newMessageId('two')];
    const answers = [
      await send(app, m1, 'read'),
      await send(app, m2, 'sent'),
      await send(app, m1, 'sent'),
      await send(app, m2, 'delivered'),
      await send(app, m2, 'failed'),
    ].map((d) => d.final.text);
    expect(answers).toEqual([RECEIVED, RECEIVED, STALE, RECEIVED, STALE]);
    expect(log.statuses(m1)).toEqual(['read']);
    expect(log.statuses(m2)).toEqual(['sent', 'delivered']);
  });

  it('is per registration and per tenant: one message id on two named registrations and two tenants orders apart', async () => {
    const app = await startStatusApp('accounts', log, [
      { name: 'acme', path: 'webhooks/acme', secrets: secret, dispatch: 'inline', statusOrder: 'drop' },
      { name: 'globex', path: 'webhooks/globex', secrets: secret, dispatch: 'inline', statusOrder: 'drop' },
      { name: 'saas', path: 'webhooks/saas', tenants: { secrets: () => secret }, dispatch: 'inline', statusOrder: 'drop' },
    ]);
    apps.push(app);
    const messageId = newMessageId('shared');
    const to = (path: string, status: string) =>
      deliverUntilAcknowledged(`${app.url}/webhooks/${path}/message.status_update`, secret, newDeliveryId(), statusBody(messageId, status)).then(
        (d) => `${path} ${status}: ${d.final.text}`,
      );
    const answers = [
      await to('acme', 'read'),
      await to('globex', 'sent'),
      await to('saas/north', 'delivered'),
      await to('saas/south', 'sent'),
      await to('acme', 'delivered'),
      await to('globex', 'delivered'),
      await to('saas/north', 'sent'),
      await to('saas/south', 'read'),
    ];
    expect(answers).toEqual([
      `acme read: ${RECEIVED}`,
      `globex sent: ${RECEIVED}`,
      `saas/north delivered: ${RECEIVED}`,
      `saas/south sent: ${RECEIVED}`,
      `acme delivered: ${STALE}`,
      `globex delivered: ${RECEIVED}`,
      `saas/north sent: ${STALE}`,
      `saas/south read: ${RECEIVED}`,
    ]);
    expect(log.of(messageId).map((run) => `${run.account}/${run.tenant ?? '-'} ${String(run.status)}`)).toEqual([
      'acme/- read',
      'globex/- sent',
      'saas/north delivered',
      'saas/south sent',
      'globex/- delivered',
      'saas/south read',
    ]);
  });

  it.each<['drop' | 'flag']>([['drop'], ['flag']])('an update without message_id is handled and never stale (%s)', async (mode) => {
    const app = await boot({ dispatch: 'inline', statusOrder: mode });
    const conversation = `conv_${newMessageId('nomsg')}`;
    const bodies = ['read', 'delivered', 'sent'].map((status) => ({ conversation_id: conversation, status, organization_id: 'org_1' }));
    const answers: string[] = [];
    for (const body of bodies) {
      answers.push((await deliverUntilAcknowledged(app.url + ROUTE, secret, newDeliveryId(), body)).final.text);
    }
    expect(answers).toEqual([RECEIVED, RECEIVED, RECEIVED]);
    const runs = log.of(undefined);
    expect(runs.map((run) => run.status)).toEqual(['read', 'delivered', 'sent']);
    if (mode === 'flag') {
      expect(runs.map((run) => run.stale)).toEqual([false, false, false]);
    }
    expect(app.staleEmissions).toEqual([]);
  });

  describe.each<[AdapterName]>([['express'], ['fastify']])('hostile message ids (%s)', (adapter) => {
    /** Ids that are dangerous as object keys, Redis keys or patterns, or long; and pairs that differ by little. */
    const HOSTILE = [
      '__proto__',
      'constructor',
      'prototype',
      'hasOwnProperty',
      'toString',
      'x'.repeat(10 * 1024),
      `${'x'.repeat(10 * 1024 - 1)}y`,
      'a',
      'a:b',
      'a:b:read',
      'a:b:delivered',
      ':',
      '*',
      'a*',
      '[a]?',
      '{a}',
      '{a}:b',
      '}{',
      'pesan-✓-ü-😀',
      '\u00e9',
      'e\u0301',
      'nul\u0000byte',
      'line\r\nbreak',
      ' a ',
    ];

    it('behave like any other id: each ordered on its own, all 2xx, nothing polluted', async () => {
      const app = await boot({ dispatch: 'inline', statusOrder: 'drop' }, adapter);
      const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();
      const phase = async (status: string) => {
        const answers: string[] = [];
        for (const messageId of HOSTILE) {
          answers.push((await send(app, messageId, status)).final.text);
        }
        return answers;
      };
      // Independent ids: each one's first update is fresh, whatever came before for the others.
      expect(await phase('delivered')).toEqual(HOSTILE.map(() => RECEIVED));
      expect(await phase('read')).toEqual(HOSTILE.map(() => RECEIVED));
      expect(await phase('sent')).toEqual(HOSTILE.map(() => STALE));
      for (const messageId of HOSTILE) {
        expect({ messageId: messageId.slice(0, 40), seen: log.statuses(messageId) }).toEqual({
          messageId: messageId.slice(0, 40),
          seen: ['delivered', 'read'],
        });
      }
      expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
      expect(({} as Record<string, unknown>).rank).toBeUndefined();
      // And an ordinary message after them all.
      const plain = newMessageId('after-hostile');
      expect((await sendInOrder([app.url + ROUTE], secret, plain, ['sent', 'delivered'])).map((d) => d.final.text)).toEqual([RECEIVED, RECEIVED]);
    });
  });

  describe('200 random orders of the four statuses, all four updates of 50 messages at once, one instance', () => {
    const delay = () => randomInt(0, 6);

    it.each<['inline' | 'background', 'drop' | 'flag']>([
      ['inline', 'drop'],
      ['inline', 'flag'],
      ['background', 'drop'],
    ])(
      '%s dispatch, %s: each message handled in strictly increasing rank, ending at read, every delivery acknowledged',
      async (dispatch, mode) => {
        const app = await boot({ dispatch, statusOrder: mode });
        log.behaviour.delayMs = delay;
        const result = await statusStorm({
          apps: [app],
          log,
          secret,
          seed: SEED,
          mode,
          messages: 200,
          perRound: 50,
          // A graceful close waits for background handlers, so what they saw is final.
          settle: dispatch === 'background' ? () => app.close() : undefined,
        });
        console.log(result.summary);
        expectNoViolations(result);
      },
      30_000,
    );
  });
});
