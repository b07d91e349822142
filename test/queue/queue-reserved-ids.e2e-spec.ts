import { Queue } from 'bullmq';
import { WazapinWebhooksModule, type WazapinQueueOptions } from '../../lib/index.js';
import { generateWazapinSecret } from '../../lib/testing/index.js';
import { deleteKeys, describeIf, redisMissing, uniquePrefix, useRedis } from '../support/redis.js';
import { recordingHandler } from '../support/recording-handler.js';
import { waitUntil } from '../support/wait-until.js';
import { startTestApp, type TestApp } from '../support/webhook-app.js';

const secret = generateWazapinSecret();
const QUEUE = 'wazapin-webhooks';
const ROUTE = '/webhooks/wazapin/message.status_update';

/** Every key name BullMQ keeps beside its jobs (`<prefix>:<queue>:<name>`). */
const BULLMQ_KEY_NAMES = [
  'wait', 'marker', 'paused', 'delayed', 'prioritized', 'stalled-check', 'pc', 'de', 'limiter', 'repeat', 'events',
  'id', 'completed', 'meta', 'active', 'failed', 'stalled', 'waiting-children',
];
/** Headers travel as bytes: this is how a UTF-8 id reaches the app (each byte one character). */
const utf8OnTheWire = (id: string) => Buffer.from(id, 'utf8').toString('latin1');
const ODD_IDS = [
  '1',
  'a:b',
  'wait:x',
  `bull:${QUEUE}:wait`,
  `bull:${QUEUE}:meta`,
  'x'.repeat(2000),
  'wait'.repeat(32),
  'msg_café',
  utf8OnTheWire('msg_日本_🚀'),
];

const { Handler: StatusHandler, handled } = recordingHandler('message.status_update');

describeIf(redisMissing)("dispatch: 'queue' with delivery ids that name BullMQ's own keys", () => {
  let redis: { url: string; close(): Promise<void> };
  let prefix: string;
  let inspect: Queue;
  const apps: TestApp[] = [];

  const boot = async (queue: WazapinQueueOptions = {}) => {
    const app = await startTestApp('express', {
      imports: [WazapinWebhooksModule.forRoot({ secrets: secret, dispatch: 'queue', queue: { connection: redis.url, prefix, ...queue } })],
      providers: [StatusHandler],
    });
    apps.push(app);
    return app;
  };
  const deliver = (app: TestApp, id: string, messageId: string) =>
    app.deliver({ secret, id, body: { message_id: messageId, conversation_id: 'conv_1', status: 'delivered', organization_id: 'org_1' } }, ROUTE);
  const runsOf = (id: string) => handled.filter((seen) => seen === id).length;

  beforeAll(async () => {
    redis = await useRedis();
  });
  beforeEach(() => {
    handled.length = 0;
    prefix = uniquePrefix('reserved-ids');
    inspect = new Queue(QUEUE, { connection: { url: redis.url }, prefix });
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    await inspect.close();
    await deleteKeys(redis.url, prefix);
  });
  afterAll(async () => {
    await redis.close();
  });

  it.each([...BULLMQ_KEY_NAMES, ...ODD_IDS].map((id) => [id.length > 40 ? `${id.slice(0, 40)}… (${id.length} chars)` : id, id]))(
    'id %j: handled once, a repeat is not, and the fleet still takes deliveries',
    async (_label, id) => {
      const receiver = await boot();
      // An instance whose dedupe store has not seen the id: only the job id stops the repeat.
      const other = await boot({ worker: false });

      expect(await deliver(receiver, id, 'wamid-attack')).toMatchObject({ status: 200, json: { received: true } });
      await waitUntil(`the handler of ${JSON.stringify(id)}`, () => runsOf(id) === 1);
      expect(await deliver(receiver, id, 'wamid-attack')).toMatchObject({ status: 200, json: { received: true, duplicate: true } });
      expect(await deliver(other, id, 'wamid-attack')).toMatchObject({ status: 200, json: { received: true } });

      expect(await deliver(other, 'msg_ordinary', 'wamid-ordinary')).toMatchObject({ status: 200, json: { received: true } });
      await waitUntil('the ordinary delivery to be handled', () => runsOf('msg_ordinary') === 1);
      await waitUntil('the queue to drain', async () => (await inspect.getJobCountByTypes('waiting', 'active', 'delayed', 'prioritized')) === 0);
      expect(await inspect.getJobCountByTypes('completed')).toBe(2);
      expect(handled.sort()).toEqual([id, 'msg_ordinary'].sort());
    },
  );
});
