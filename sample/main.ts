import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import { parseArgs } from 'node:util';
import { wazapinApiOptionsFromEnv, WazapinWebhooksApiService } from '../lib/index.js';
import type { WazapinEmulator } from '../lib/testing/index.js';
import { AppModule } from './app.module.js';
import { CrmClient } from './crm/crm.client.js';
import { EmulatorEventSource, TestDeliveryEventSource } from './day/day-event-source.js';
import { DayPlayer } from './day/day-player.js';
import { DeliveryTracker } from './day/delivery-tracker.js';
import { scriptedDay } from './day/scripted-day.js';
import { summaryTable } from './day/summary-table.js';
import { startLocalWazapinUnlessConfigured } from './environment/local-wazapin.js';
import { provisionEndpoints } from './environment/provision-endpoint.js';
import { DeliveryJournal } from './journal/delivery-journal.js';
import { SampleLogger } from './sample.logger.js';

const USAGE = `Usage: npm start [-- --once]

Runs the sample app: a NestJS app receiving Wazapin webhooks, against an in-process Wazapin
emulator (unless WAZAPIN_API_BASE_URL names another), playing a scripted day of events.

  --once       Exit after the day's summary (0 when it went as scripted, 1 otherwise)
  -h, --help   Show this help

Environment: PORT (default 3000), WAZAPIN_WEBHOOK_SECRET, WAZAPIN_API_KEY, WAZAPIN_API_BASE_URL,
WAZAPIN_ORG_SLUG, WAZAPIN_WEBHOOK_URL (the public URL Wazapin posts to; default the local one).
`;

/** Seconds to wait for one delivery: the platform's first retry comes 5 s after a failure. */
const DELIVERY_TIMEOUT_MS = 30_000;

/** A wrong command line or environment: exit 2. */
class UsageError extends Error {}

function readPort(value: string | undefined): number {
  const port = Number(value ?? 3000);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError('PORT must be an integer from 1 to 65535');
  }
  return port;
}

function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

async function run(once: boolean): Promise<number> {
  const env = process.env;
  const port = readPort(env.PORT);
  const localUrl = `http://127.0.0.1:${port}/webhooks/wazapin`;
  const webhookUrl = env.WAZAPIN_WEBHOOK_URL || localUrl;
  let emulator: WazapinEmulator | undefined;
  let app: INestApplication | undefined;
  try {
    emulator = await startLocalWazapinUnlessConfigured(env);
    console.log('Wazapin webhooks sample');
    console.log(`  Wazapin API   ${env.WAZAPIN_API_BASE_URL} (${emulator ? 'emulator in this process' : 'from WAZAPIN_API_BASE_URL'})`);

    // The module verifies with the endpoints' secret, so the endpoints come first. In production
    // this is done once and the secret kept in WAZAPIN_WEBHOOK_SECRET; here the service does it
    // on its own, before the app (which gets the same service injected) starts.
    const endpoints = await provisionEndpoints(new WazapinWebhooksApiService(wazapinApiOptionsFromEnv(env)), webhookUrl, env.WAZAPIN_WEBHOOK_SECRET);
    env.WAZAPIN_WEBHOOK_SECRET = endpoints.secrets.join(' ');
    const actions = [...new Set([...endpoints.byType.values()].map((endpoint) => endpoint.action))].join(', ');
    console.log(`  Endpoints     ${endpoints.byType.size}, one per event type, at ${webhookUrl}/<event type> (${actions} through WazapinWebhooksApiService)`);

    app = await NestFactory.create(AppModule, { rawBody: true, logger: new SampleLogger({ logLevels: ['error', 'warn'], colors: Boolean(process.stdout.isTTY) }) });
    await app.listen(port, '127.0.0.1');
    console.log(`  Listening     ${localUrl}`);

    const api = app.get(WazapinWebhooksApiService);
    const source = emulator ? new EmulatorEventSource(emulator) : new TestDeliveryEventSource(api, endpoints.byType);
    console.log(`  Events from   ${source.description}`);
    const player = new DayPlayer({
      api,
      journal: app.get(DeliveryJournal),
      crm: app.get(CrmClient),
      source,
      tracker: new DeliveryTracker(api, DELIVERY_TIMEOUT_MS),
      endpoints: endpoints.byType,
      webhookUrl: localUrl,
    });
    const outcomes = await player.play(scriptedDay());

    console.log('\nSummary');
    console.log(summaryTable(outcomes));
    const problems = outcomes.filter((outcome) => outcome.problem);
    problems.forEach((outcome) => console.log(`  Step ${outcome.step} did not go as scripted: ${outcome.problem}`));
    if (once) {
      return problems.length === 0 ? 0 : 1;
    }

    const key = emulator ? emulator.apiKey : '$WAZAPIN_API_KEY';
    console.log(`\nStill serving ${localUrl}; Ctrl-C stops. Have Wazapin send another event:`);
    console.log(
      `  curl -X POST ${env.WAZAPIN_API_BASE_URL}/v1/settings/developer/webhooks/endpoints/${endpoints.byType.get('contact.updated')!.id}/test ` +
        `-H "authorization: Bearer ${key}" -H "content-type: application/json" -d '{"event_type":"contact.updated"}'`,
    );
    await untilStopped();
    return 0;
  } finally {
    await app?.close();
    await emulator?.close();
  }
}

async function main(): Promise<void> {
  let once: boolean;
  try {
    const { values } = parseArgs({ options: { once: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true });
    if (values.help) {
      console.log(USAGE);
      return;
    }
    once = values.once ?? false;
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  try {
    process.exitCode = await run(once);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message =
      code === 'EADDRINUSE' ? `Port ${process.env.PORT ?? 3000} is in use; set PORT to a free one` : (error as Error).message;
    console.error(`\nThe sample stopped: ${message}`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  }
}

void main();
