import { WazapinWebhooksApiService } from '../../lib/index.js';
import { sampleWazapinPayload, WazapinEmulator } from '../../lib/testing/index.js';
import { downUntilUp, RecordingReceiver } from '../emulator/recording-receiver.js';
import { ensureCompiled } from '../support/compiled.js';
import { runBin } from './run-bin.js';

// Issue 14: `wazapin-webhooks recover`, reading the API's settings from the environment as the module does.

describe('wazapin-webhooks recover', () => {
  let emulator: WazapinEmulator;
  let receiver: RecordingReceiver;
  let app: ReturnType<typeof downUntilUp>;
  let env: Record<string, string>;

  beforeAll(() => {
    ensureCompiled();
  }, 120_000);
  beforeEach(async () => {
    receiver = await RecordingReceiver.start();
    app = downUntilUp(receiver);
    emulator = await WazapinEmulator.start({ retrySchedule: [0, 0] });
    env = { WAZAPIN_API_KEY: emulator.apiKey, WAZAPIN_API_BASE_URL: emulator.baseUrl };
    await new WazapinWebhooksApiService({ apiKey: emulator.apiKey, baseUrl: emulator.baseUrl }).createEndpoint({ url: receiver.url() });
  });
  afterEach(async () => {
    await emulator.close();
    await receiver.close();
  });

  async function publishWhileDown(count: number): Promise<string[]> {
    const ids = Array.from({ length: count }, () => emulator.publish('message.status_update', sampleWazapinPayload('message.status_update')).messageId);
    await emulator.settled();
    return ids;
  }

  it('retries each failed message once, prints a summary and exits 0; a dry run retries nothing', async () => {
    const failed = await publishWhileDown(5);
    app.up = true;
    const dry = await runBin(['recover', '--since', '10m', '--dry-run'], 20_000, env);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/would retry\s+5\n/);
    expect(app.handled).toEqual([]);

    const run = await runBin(['recover', '--since', '10m', '--event-type', 'message.status_update'], 20_000, env);
    await emulator.settled();
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^window\s+\S+ to \S+\nattempts read\s+\d+\nto retry\s+5\nretried\s+5\nfailed\s+0\n$/);
    expect([...app.handled].sort()).toEqual([...failed].sort());
  });

  it.each([
    [['recover'], /Missing --since/],
    [['recover', '--since', 'yesterday'], /--since must be a duration such as 2h or an ISO 8601 time/],
    [['recover', '--since', '2h', '--concurrency', '99'], /concurrency must be an integer from 1 to 32/],
    [['recover', '--since', '2h', '--event-type', 'Not A Type'], /eventTypes must be an array of event type names/],
  ])('%j is a usage error (exit 2), nothing called', async (args, message) => {
    const run = await runBin(args, 20_000, env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(emulator.requests.filter((request) => request.url.includes('/deliveries'))).toEqual([]);
  });

  it('without WAZAPIN_API_KEY it says what to set and exits 2', async () => {
    const run = await runBin(['recover', '--since', '2h'], 20_000, { WAZAPIN_API_KEY: '' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/Set WAZAPIN_API_KEY/);
  });
});
