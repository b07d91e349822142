import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { generateWazapinSecret } from '../../lib/testing/index.js';
import { describeIf, redisMissing } from '../support/redis.js';
import { sendAsPlatform, tally, useFleet } from '../support/scale-instances.js';
import { waitUntil } from '../support/wait-until.js';

const DELIVERIES = 400;

describeIf(redisMissing)("dispatch: 'queue', an instance killed while its handlers run", () => {
  const fleet = useFleet('queue-killed');

  it(
    'every acknowledged delivery is still handled, by the surviving instance',
    async () => {
      const secret = generateWazapinSecret();
      const instances = await fleet.start(['a', 'b'], {
        WAZAPIN_SECRET: secret,
        DISPATCH: 'queue',
        HANDLER_MS: '100',
        QUEUE_CONCURRENCY: '5',
        // A dead worker's lock expires after 2 s, and the survivor looks for such jobs every 0.5 s.
        LOCK_MS: '2000',
        STALLED_INTERVAL_MS: '500',
      });
      const [victim, survivor] = instances;
      const deliveries = Array.from({ length: DELIVERIES }, (_, i) => ({
        id: `msg_${i}_${randomUUID()}`,
        body: { message_id: randomUUID(), conversation_id: 'conv_1', status: 'read', organization_id: 'org_1' },
      }));
      const report = await sendAsPlatform(deliveries, () => instances.map((instance) => instance.url), { secret, concurrency: 32 });
      expect(report.acknowledged.size).toBe(DELIVERIES);

      // Kill the victim once it has handlers in flight: started, not yet handled.
      const inFlight = async () => {
        const started = await fleet.runs('started');
        const handled = new Set((await fleet.runs('handled')).map((run) => `${run.instance} ${run.id}`));
        return started.filter((run) => run.instance === victim.name && !handled.has(`${run.instance} ${run.id}`));
      };
      const victimRuns = async () => (await fleet.runs('started')).filter((run) => run.instance === victim.name);
      await waitUntil('the victim to be running handlers', async () => (await victimRuns()).length >= 20 && (await inFlight()).length > 0);
      await victim.process.stop('SIGKILL');
      const interrupted = (await inFlight()).map((run) => run.id);

      await waitUntil(
        'every acknowledged delivery to be handled',
        async () => new Set((await fleet.runs('handled')).map((run) => run.id)).size === DELIVERIES,
        60_000,
      );
      await survivor.process.stop('SIGTERM');

      const handled = await fleet.runs('handled');
      const perDelivery = tally(handled.map((run) => run.id));
      const started = await fleet.runs('started');
      const victimStarted = new Set(started.filter((run) => run.instance === victim.name).map((run) => run.id));
      const repeated = [...perDelivery].filter(([, runs]) => runs > 1).map(([id]) => id);
      const queue = new Queue('wazapin-webhooks', { connection: { url: fleet.redisUrl }, prefix: fleet.keyPrefix });
      const counts = await queue.getJobCounts('completed', 'failed', 'active', 'waiting', 'delayed');
      await queue.close();
      console.log(
        `${DELIVERIES} acknowledged; victim started ${victimStarted.size} and was killed with ${interrupted.length} in flight; ` +
          `handler runs: ${JSON.stringify(Object.fromEntries(tally(handled.map((run) => run.instance))))}, ${repeated.length} delivery(ies) run twice; ` +
          `jobs ${JSON.stringify(counts)}`,
      );

      expect(interrupted.length).toBeGreaterThan(0);
      // Every acknowledged delivery handled; those the kill interrupted, by the survivor.
      expect(deliveries.filter((delivery) => !perDelivery.has(delivery.id))).toEqual([]);
      const bySurvivor = new Set(handled.filter((run) => run.instance === survivor.name).map((run) => run.id));
      expect(interrupted.filter((id) => !bySurvivor.has(id))).toEqual([]);
      // At least once: only deliveries the victim had started can have run twice.
      expect(repeated.filter((id) => !victimStarted.has(id))).toEqual([]);
      expect(counts).toEqual({ completed: DELIVERIES, failed: 0, active: 0, waiting: 0, delayed: 0 });
    },
    120_000,
  );
});
