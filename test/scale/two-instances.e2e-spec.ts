import { randomUUID } from 'node:crypto';
import { generateWazapinSecret } from '../../lib/testing/index.js';
import { describeIf, redisMissing } from '../support/redis.js';
import { sendAsPlatform, shuffle, tally, useFleet } from '../support/scale-instances.js';

const UNIQUE = 3500;
const DUPLICATES = 1500;

describeIf(redisMissing)('two instances sharing one Redis', () => {
  const fleet = useFleet('two-instances');

  it(
    `handles each of ${UNIQUE} deliveries exactly once, of ${UNIQUE + DUPLICATES} sent concurrently to both at random`,
    async () => {
      const secret = generateWazapinSecret();
      const instances = await fleet.start(['a', 'b'], { WAZAPIN_SECRET: secret, HANDLER_MS: '10' });

      const unique = Array.from({ length: UNIQUE }, (_, i) => ({
        id: `msg_${i}_${randomUUID()}`,
        body: { message_id: randomUUID(), conversation_id: 'conv_1', status: 'delivered', organization_id: 'org_1' },
      }));
      // 30% of what is sent repeats a delivery id: the platform's retries and duplicates. Half
      // are scattered; half follow their original at once, so both are in flight together.
      const pick = () => unique[Math.floor(Math.random() * UNIQUE)];
      const sends = shuffle([...unique, ...Array.from({ length: DUPLICATES / 2 }, pick)]);
      for (let i = 0; i < DUPLICATES / 2; i++) {
        const original = pick();
        sends.splice(sends.indexOf(original) + 1, 0, original);
      }
      const started = Date.now();
      const report = await sendAsPlatform(sends, () => instances.map((instance) => instance.url), { secret, concurrency: 64 });
      const sendMs = Date.now() - started;

      // A graceful stop lets background handlers finish, so the records below are final.
      await Promise.all(instances.map((instance) => instance.process.stop('SIGTERM')));
      const runs = await fleet.runs('handled');
      const perDelivery = tally(runs.map((run) => run.id));
      const perInstance = tally(runs.map((run) => run.instance));
      console.log(
        `${sends.length} sends in ${sendMs} ms: answers ${JSON.stringify(Object.fromEntries(report.statuses))}, ` +
          `${report.duplicates} acknowledged as duplicates; handler runs ${runs.length} (a: ${perInstance.get('a')}, b: ${perInstance.get('b')})`,
      );

      expect(report.acknowledged.size).toBe(UNIQUE);
      expect([...report.statuses.keys()].filter((status) => ![200, 409].includes(status))).toEqual([]);
      expect(runs).toHaveLength(UNIQUE);
      expect(unique.filter((delivery) => perDelivery.get(delivery.id) !== 1)).toEqual([]);
      // Both instances took part, and between them they acknowledged every repeat as a duplicate.
      expect(perInstance.get('a')).toBeGreaterThan(0);
      expect(perInstance.get('b')).toBeGreaterThan(0);
      expect(report.duplicates).toBe(DUPLICATES);
    },
    180_000,
  );
});
