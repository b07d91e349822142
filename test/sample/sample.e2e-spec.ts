import { createServer } from 'node:net';
import { join } from 'node:path';
import { WAZAPIN_EVENT_TYPES } from '../../lib/index.js';
import { WazapinEmulator } from '../../lib/testing/index.js';
import { freePort } from '../support/free-port.js';
import { BUILD_DIR, ensureCompiled, ROOT } from '../support/compiled.js';
import { WatchedProcess } from '../support/watched-process.js';

const SAMPLE = join(BUILD_DIR, 'sample', 'main.js');

/** The handler lines the scripted day prints, in order (the failed attempt of step 7 aside). */
const SCRIPTED_LINES = [
  // The messages handler reads the message's text from the API, so the audit line comes first.
  /^ 1\. Siti writes in \(message\.new\)\n {6}AuditHandler\.onAnyEvent +message\.new \(type from path\).*\n {6}MessagesHandler\.onNewMessage +inbound text \w+ from \+6281234567890 in conversation \w+: "Halo, pesanan saya sudah dikirim\?"$/m,
  /^ 2\. An agent replies \(message\.sent\)\n {6}MessagesHandler\.onMessageSent +text \w+ sent to \+6281234567890/m,
  /^ 3\. The reply is sent \(message\.status_update\)\n {6}MessagesHandler\.onStatusUpdate +message \w+ is now sent/m,
  /^ 4\. The reply is delivered \(message\.status_update\)\n {6}MessagesHandler\.onStatusUpdate +message \w+ is now delivered/m,
  /^ 5\. Siti reads it \(message\.status_update\)\n {6}MessagesHandler\.onStatusUpdate +message \w+ is now read/m,
  /^ 6\. The conversation is assigned \(conversation\.updated\)\n {6}ConversationsHandler\.onConversationUpdated +conversation \w+ assigned to agent_dewi, status open/m,
  /^ 7\. Siti is renamed while the CRM is down \(contact\.updated\)\n(?:.*\n)*? {6}ContactsHandler\.onContactUpdated +contact \w+ is now "Siti Rahma"/m,
  /^ 8\. A template is approved \(template\.status_update\)\n {6}TemplatesHandler\.onTemplateStatus +template order_confirmation \(id\) approved/m,
];

function expectDayPlayedAsScripted(stdout: string): void {
  expect(stdout).toMatch(/ERROR.*Handler ContactsHandler\.onContactUpdated failed on contact\.updated delivery msg_\S+: CRM timed out/);
  expect(stdout).toMatch(/^ {6}Wazapin got 500 → 200: the handler failed/m);
  expect(stdout).toMatch(/^ {6}\(AuditHandler had succeeded on the first attempt, so the retry did not run it again\)$/m);
  // Every delivery came to its type's endpoint: no type was guessed from a payload.
  expect(stdout).not.toMatch(/type from shape|payload's shape/);
  expect(stdout).toMatch(/^ 9\. Wazapin sends step 1's delivery again \(message\.new, same delivery id\)\n {6}answered 200 \{"received":true,"duplicate":true\}; duplicate suppressed, no handler ran$/m);
  expect(stdout).toMatch(/^10\. Someone alters a signed template\.status_update on the way .*\n {6}answered 401 "No webhook signature matches"; rejected, no handler ran$/m);
  expect(stdout).toMatch(/^ {2}7 +contact\.updated +msg_\S+ +500 → 200 +ContactsHandler, AuditHandler$/m);
  expect(stdout).toMatch(/^ {2}8 events handled \(1 after a retry\), 1 duplicate suppressed, 1 tampered delivery rejected\.$/m);
  expect(stdout).not.toMatch(/did not go as scripted/);
}

describe('the sample app', () => {
  beforeAll(() => ensureCompiled(), 120_000);

  it('`npm start -- --once` plays the day against the in-process emulator and exits 0 after the summary', async () => {
    const port = await freePort();
    const started = Date.now();
    const sample = new WatchedProcess('npm', ['start', '--', '--once'], { cwd: ROOT, env: { PORT: String(port) } });
    const timer = setTimeout(() => void sample.stop('SIGKILL'), 60_000);
    const code = await sample.exited;
    clearTimeout(timer);
    console.log(`npm start -- --once: exit ${code} after ${((Date.now() - started) / 1000).toFixed(1)} s, compile included`);

    expect({ code, stderr: sample.stderr }).toEqual({ code: 0, stderr: expect.not.stringMatching(/Error|error TS/) });
    expect(sample.stdout).toMatch(/^ {2}Wazapin API +http:\/\/127\.0\.0\.1:\d+ \(emulator in this process\)$/m);
    expect(sample.stdout).toMatch(
      new RegExp(`^  Endpoints +6, one per event type, at http://127\\.0\\.0\\.1:${port}/webhooks/wazapin/<event type> \\(created through WazapinWebhooksApiService\\)$`, 'm'),
    );
    for (const line of SCRIPTED_LINES) {
      expect(sample.stdout).toMatch(line);
    }
    expectDayPlayedAsScripted(sample.stdout);
    expect(sample.stdout).not.toMatch(/Still serving/);
  }, 90_000);

  it('uses the Wazapin API that WAZAPIN_API_BASE_URL names instead of starting one', async () => {
    const wazapin = await WazapinEmulator.start({ retryScale: 0.001, organizationSlug: 'acme' });
    try {
      const port = await freePort();
      const sample = new WatchedProcess(process.execPath, [SAMPLE, '--once'], {
        env: { PORT: String(port), WAZAPIN_API_BASE_URL: wazapin.baseUrl, WAZAPIN_API_KEY: wazapin.apiKey, WAZAPIN_ORG_SLUG: 'acme' },
      });
      expect(await sample.exited).toBe(0);
      expect(sample.stdout).toMatch(new RegExp(`^  Wazapin API +${wazapin.baseUrl} \\(from WAZAPIN_API_BASE_URL\\)$`, 'm'));
      expect(sample.stdout).toMatch(/^ {2}Events from +Wazapin's test deliveries/m);
      // One test delivery per event type, then the resend and the forgery.
      expect(sample.stdout).toMatch(/^ {2}6 events handled \(1 after a retry\), 1 duplicate suppressed, 1 tampered delivery rejected\.$/m);
      const endpoints = wazapin.endpoints();
      expect(endpoints.map((endpoint) => [endpoint.url, endpoint.event_types])).toEqual(
        WAZAPIN_EVENT_TYPES.map((type) => [`http://127.0.0.1:${port}/webhooks/wazapin/${type}`, [type]]),
      );
      // Created with one secret, so the app verifies them all with it.
      expect(new Set(endpoints.map((endpoint) => endpoint.secret)).size).toBe(1);
      expect(wazapin.requests.filter((request) => request.url.endsWith('/test')).map((request) => request.status)).toEqual([202, 202, 202, 202, 202, 202]);
      expect(wazapin.requests.every((request) => request.authorized && request.organizationSlug === 'acme')).toBe(true);
    } finally {
      await wazapin.close();
    }
  }, 60_000);

  it('keeps serving without --once, handles events sent later, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const sample = new WatchedProcess(process.execPath, [SAMPLE], { env: { PORT: String(port) } });
    try {
      const [, testUrl, key] = await sample.waitFor(/^ {2}curl -X POST (\S+) -H "authorization: Bearer (\S+)"/m);
      expectDayPlayedAsScripted(sample.stdout);
      const response = await fetch(testUrl, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ event_type: 'contact.updated' }),
      });
      expect(response.status).toBe(202);
      await sample.waitFor(/Still serving[^]*ContactsHandler\.onContactUpdated +contact \w+ is now/);
    } finally {
      expect(await sample.stop('SIGTERM')).toBe(0);
    }
  }, 60_000);

  it('says so and exits 1 when its port is taken, and exits 2 on a bad PORT or option', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as { port: number }).port;
    try {
      const runs = [
        new WatchedProcess(process.execPath, [SAMPLE, '--once'], { env: { PORT: String(taken) } }),
        new WatchedProcess(process.execPath, [SAMPLE, '--once'], { env: { PORT: 'http' } }),
        new WatchedProcess(process.execPath, [SAMPLE, '--twice'], {}),
      ];
      expect(await Promise.all(runs.map((run) => run.exited))).toEqual([1, 2, 2]);
      expect(runs[0].stderr).toContain(`The sample stopped: Port ${taken} is in use; set PORT to a free one`);
      expect(runs[1].stderr).toContain('The sample stopped: PORT must be an integer from 1 to 65535');
      expect(runs[2].stderr).toMatch(/Unknown option '--twice'[^]*Usage: npm start \[-- --once\]/);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  }, 60_000);
});
