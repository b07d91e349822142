import { WazapinValidationError } from '../../lib/index.js';
import { sampleWazapinPayload } from '../../lib/testing/index.js';
import { rejection, startApiTestKit, type ApiTestKit } from '../api/api-test-kit.js';
import { downUntilUp, RecordingReceiver } from '../emulator/recording-receiver.js';

// Issue 14, "Recover from the platform": the deliveries Wazapin gave up on, retried once each,
// against the emulator over HTTP, its pages of 100 and a rate limit answering 429 with Retry-After.

const FAILED_MESSAGES = 150;

describe('recoverFailedDeliveries', () => {
  let kit: ApiTestKit;
  let receiver: RecordingReceiver;
  let endpointId: string;
  let since: Date;
  /** The receiving app: down until `up`, then recording the delivery ids it took. */
  let app: ReturnType<typeof downUntilUp>;

  /** Delivery ids the receiver answered 2xx, and how often. */
  const handledCounts = () => {
    const counts = new Map<string, number>();
    for (const id of app.handled) {
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return counts;
  };

  beforeEach(async () => {
    receiver = await RecordingReceiver.start();
    app = downUntilUp(receiver);
    // Every attempt at once, so the platform's retries are exhausted within the test.
    kit = await startApiTestKit({ retrySchedule: [0, 0], defaultPageSize: 100, rateLimit: { limit: 60, windowMs: 300 } });
    since = new Date(Date.now() - 1000);
    endpointId = (await kit.api.createEndpoint({ url: receiver.url() })).id;
  });
  afterEach(async () => {
    await kit.close();
    await receiver.close();
  });

  /** Every attempt the API holds: what a recovery reads. */
  async function attemptsHeld(): Promise<number> {
    let count = 0;
    for await (const _attempt of kit.api.iterateDeliveries({ limit: 250 })) {
      count++;
    }
    return count;
  }

  async function publishWhileDown(count: number, type: 'message.status_update' | 'contact.updated' = 'message.status_update'): Promise<string[]> {
    const ids = Array.from({ length: count }, () => kit.emulator.publish(type, sampleWazapinPayload(type)).messageId);
    await kit.emulator.settled();
    return ids;
  }

  it('retries each failed message exactly once, through 429s, and says what it did', async () => {
    const failed = await publishWhileDown(FAILED_MESSAGES);
    // One that failed, then succeeded on a manual retry: not retried again.
    const [recovered] = await publishWhileDown(1);
    app.up = true;
    await kit.api.retryDelivery(recovered);
    await kit.emulator.settled();
    const progress: string[] = [];
    const attempts = await attemptsHeld();

    const result = await kit.api.recoverFailedDeliveries({ since, onProgress: (p) => progress.push(p.phase) });
    await kit.emulator.settled();

    expect(result.failed).toEqual([]);
    expect(result).toMatchObject({ toRetry: FAILED_MESSAGES, retried: FAILED_MESSAGES });
    // Every attempt of each message that failed, and the one success.
    expect(result.scanned).toBe(attempts);
    expect(attempts).toBeGreaterThan(FAILED_MESSAGES + 1);
    const counts = handledCounts();
    expect(failed.every((id) => counts.get(id) === 1)).toBe(true);
    expect(counts.get(recovered)).toBe(1);
    expect(counts.size).toBe(FAILED_MESSAGES + 1);
    expect(progress).toContain('scanning');
    expect(progress.filter((phase) => phase === 'retrying')).toHaveLength(FAILED_MESSAGES);
    const limited = kit.emulator.requests.filter((request) => request.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    // Pages of 100: the walks of failed and successful attempts, page after page.
    const pages = kit.emulator.requests.filter((request) => request.method === 'GET' && request.status === 200 && /deliveries\?.*status=/.test(request.url));
    expect(pages.every((request) => request.url.includes('limit=100'))).toBe(true);
    expect(pages.length).toBeGreaterThanOrEqual(Math.ceil(attempts / 100));
  });

  it('a dry run counts and retries nothing; eventTypes and the window narrow it', async () => {
    const statuses = await publishWhileDown(3);
    const contacts = await publishWhileDown(2, 'contact.updated');
    app.up = true;
    const dry = await kit.api.recoverFailedDeliveries({ since, dryRun: true });
    expect(dry).toEqual({ scanned: await attemptsHeld(), toRetry: 5, retried: 0, failed: [] });
    expect(handledCounts().size).toBe(0);

    expect(await kit.api.recoverFailedDeliveries({ since: new Date(Date.now() + 60_000), dryRun: true })).toMatchObject({ toRetry: 0 });
    const onlyContacts = await kit.api.recoverFailedDeliveries({ since, eventTypes: ['contact.updated'], endpointId });
    await kit.emulator.settled();
    expect(onlyContacts).toMatchObject({ toRetry: 2, retried: 2, failed: [] });
    expect([...handledCounts().keys()].sort()).toEqual([...contacts].sort());
    expect(statuses.some((id) => handledCounts().has(id))).toBe(false);
  });

  it('an onProgress that throws or rejects neither stops the recovery nor reaches the process (found by an outside attack)', async () => {
    const failed = await publishWhileDown(3);
    app.up = true;
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      let calls = 0;
      const result = await kit.api.recoverFailedDeliveries({
        since,
        onProgress: async () => {
          if (++calls % 2 === 0) {
            throw new Error('progress store down');
          }
          await Promise.reject(new Error('progress store down'));
        },
      });
      await kit.emulator.settled();
      await new Promise((resolve) => setImmediate(resolve));
      expect(result).toMatchObject({ toRetry: 3, retried: 3, failed: [] });
      expect(failed.every((id) => handledCounts().get(id) === 1)).toBe(true);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    const thrown = await kit.api.recoverFailedDeliveries({
      since,
      dryRun: true,
      onProgress: () => {
        throw new Error('sync');
      },
    });
    expect(thrown.failed).toEqual([]);
  });

  it('a retry the API refuses is reported with its error, the others done', async () => {
    await publishWhileDown(2);
    app.up = true;
    const result = await kit.api.recoverFailedDeliveries({
      since,
      onProgress: (p) => {
        if (p.phase === 'scanning' && p.toRetry > 0) {
          kit.emulator.failNextRequests(1, { status: 404 });
        }
      },
      concurrency: 1,
    });
    expect(result.retried).toBe(1);
    expect(result.failed).toHaveLength(1);
    expect(result.failed[0].error).toMatchObject({ status: 404 });
  });

  it.each([
    [{ since: 'yesterday' }, /since must be a valid Date/],
    [{ since: new Date(), until: new Date(0) }, /until must be a valid Date after since/],
    [{ since: new Date(0), concurrency: 0 }, /concurrency must be an integer from 1 to 32/],
    [{ since: new Date(0), eventTypes: ['Message New'] }, /eventTypes must be an array of event type names/],
    [{ since: new Date(0), dryrun: true }, /dryrun is not an option of recoverFailedDeliveries/],
  ])('refuses %j before calling the API', async (options, message) => {
    const error = await rejection(kit.api.recoverFailedDeliveries(options as never));
    expect(error).toBeInstanceOf(WazapinValidationError);
    expect((error as Error).message).toMatch(message);
  });
});
