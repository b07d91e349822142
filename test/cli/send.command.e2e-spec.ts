import { Injectable } from '@nestjs/common';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OnWazapinEvent, type WazapinEvent } from '../../lib/index.js';
import { createWazapinTestingModule, generateWazapinSecret, type WazapinTestingApp } from '../../lib/testing/index.js';
import { ensureCompiled } from '../support/compiled.js';
import { runBin } from './run-bin.js';

@Injectable()
class Received {
  readonly events: WazapinEvent[] = [];

  @OnWazapinEvent('*')
  onAny(event: WazapinEvent) {
    this.events.push(event);
  }
}

describe('wazapin-webhooks send', () => {
  let wazapin: WazapinTestingApp;
  let received: Received;
  let dir: string;

  beforeAll(async () => {
    ensureCompiled();
    dir = mkdtempSync(join(tmpdir(), 'wazapin-send-'));
    wazapin = await createWazapinTestingModule({
      providers: [Received],
      webhooks: { eventTypeHeader: 'x-wazapin-event' },
      logger: false,
    });
    received = wazapin.get(Received);
  }, 120_000);
  afterAll(async () => {
    await wazapin?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    received.events.length = 0;
  });

  it('signs a sample event, posts it flat, and prints the 200 it got', async () => {
    const run = await runBin(['send', 'message.new', '--url', wazapin.url, '--secret', wazapin.secret]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^POST http:\/\/127\.0\.0\.1:\d+\/webhooks\/wazapin {2}message\.new {2}delivery msg_\S+, flat body/m);
    expect(run.stdout).toMatch(/^200 OK {2}\{"received":true\}$/m);
    expect(received.events).toHaveLength(1);
    expect(received.events[0]).toMatchObject({ type: 'message.new', typeSource: 'shape', payload: { direction: 'inbound' } });
  });

  it('sends a payload file in an envelope with webhook-* headers and a chosen delivery id', async () => {
    const payload = join(dir, 'template.json');
    writeFileSync(payload, JSON.stringify({ template_name: 'promo_march', status: 'rejected', reason: 'TAG_CONTENT_MISMATCH' }));
    const run = await runBin([
      'send', 'template.status_update', '--url', wazapin.url, '--secret', wazapin.secret,
      '--payload', payload, '--envelope', '--header-family', 'webhook', '--id', 'msg_cli_1',
    ]);
    expect(run.code).toBe(0);
    expect(received.events[0]).toMatchObject({
      id: 'msg_cli_1',
      type: 'template.status_update',
      typeSource: 'envelope',
      payload: { template_name: 'promo_march', status: 'rejected', reason: 'TAG_CONTENT_MISMATCH' },
    });
    expect(received.events[0].headers['webhook-id']).toBe('msg_cli_1');
  });

  it('names the type in a header with --type-header, for a payload whose shape says nothing', async () => {
    const payload = join(dir, 'order.json');
    writeFileSync(payload, '{"order_id":"o-1"}');
    const run = await runBin([
      'send', 'order.created', '--url', wazapin.url, '--secret', wazapin.secret, '--payload', payload, '--type-header', 'X-Wazapin-Event',
    ]);
    expect(run.code).toBe(0);
    expect(received.events[0]).toMatchObject({ type: 'order.created', typeSource: 'header', payload: { order_id: 'o-1' } });
  });

  it('exits 1 and prints the status when the receiver rejects the delivery', async () => {
    const other = generateWazapinSecret();
    const wrongSecret = await runBin(['send', 'contact.updated', '--url', wazapin.url, '--secret', other]);
    expect(wrongSecret.code).toBe(1);
    expect(wrongSecret.stdout).toMatch(/^401 Unauthorized {2}.*No webhook signature matches/m);

    const stale = await runBin(['send', 'contact.updated', '--url', wazapin.url, '--secret', wazapin.secret, '--timestamp', '1614265330']);
    expect(stale.code).toBe(1);
    expect(stale.stdout).toMatch(/^401 .*too old/m);
    expect(received.events).toEqual([]);
    expect(wrongSecret.stdout + wrongSecret.stderr).not.toContain(other);
  });

  it('exits 1 with the reason when nothing answers', async () => {
    const run = await runBin(['send', 'message.new', '--url', 'http://127.0.0.1:9/webhooks/wazapin', '--secret', wazapin.secret]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/No answer from http:\/\/127\.0\.0\.1:9: ECONNREFUSED/);
  });

  it('gives up after --timeout on a receiver that never answers', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as AddressInfo;
      const run = await runBin(['send', 'message.new', '--url', `http://127.0.0.1:${port}/hook`, '--secret', wazapin.secret, '--timeout', '300']);
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(`No answer from http://127.0.0.1:${port} within 300 ms\n`);
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it.each([
    [['send', '--url', 'http://127.0.0.1:9', '--secret', 'S'], /Missing <event-type>/],
    [['send', 'message.new', '--secret', 'S'], /Missing --url/],
    [['send', 'message.new', '--url', 'http://127.0.0.1:9'], /Missing --secret/],
    [['send', 'message.new', '--url', 'not a url', '--secret', 'S'], /--url is not a URL/],
    [['send', 'message.new', '--url', 'ftp://127.0.0.1/x', '--secret', 'S'], /--url must be an http: or https: URL/],
    [['send', 'message.new', '--url', 'http://127.0.0.1:9', '--secret', 'whsec_c2hvcnQ='], /--secret: webhook secret #1 is invalid \(5 bytes\)/],
    [['send', 'order.created', '--url', 'http://127.0.0.1:9', '--secret', 'S'], /There is no sample of "order.created"; give its payload with --payload/],
    [['send', 'message.new', '--url', 'http://127.0.0.1:9', '--secret', 'S', '--payload', '/nonexistent/p.json'], /Cannot read the --payload file \/nonexistent\/p.json: no such file/],
    [['send', 'message.new', '--url', 'http://127.0.0.1:9', '--secret', 'S', '--header-family', 'x'], /--header-family must be "svix" or "webhook"/],
    [['send', 'message.new', '--url', 'http://127.0.0.1:9', '--secret', 'S', '--timestamp', 'yesterday'], /--timestamp must be an integer/],
    [['send', 'message.new', '--url', 'http://127.0.0.1:9', '--secret', 'S', '--type-header', 'bad header'], /--type-header must be a header name/],
    [['send', 'message.new', '--url', 'http://127.0.0.1:9', '--secret', 'S', '--bogus'], /Unknown option '--bogus'/],
    [['send', 'message.new', 'extra', '--url', 'http://127.0.0.1:9', '--secret', 'S'], /Expected at most 1 argument besides options, got 2/],
    // A secret typed where a URL or the event type goes is not repeated.
    [['send', 'message.new', '--url', 'S', '--secret', 'S'], /--url is not a URL$/m],
    [['send', 'S', '--url', 'http://127.0.0.1:9', '--secret', 'S'], /There is no sample of that event type; give its payload/],
  ])('refuses a wrong command line with exit 2: %j', async (args, message) => {
    const line = args.map((arg) => (arg === 'S' ? wazapin.secret : arg));
    const run = await runBin(line);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toMatch(/Run "wazapin-webhooks send --help" for usage/);
    expect(run.stderr).not.toContain(wazapin.secret);
    expect(run.stdout).toBe('');
    expect(run.stderr).not.toContain(wazapin.secret);
  });

  it('refuses a payload file that is not a JSON object', async () => {
    const notJson = join(dir, 'bad.json');
    writeFileSync(notJson, '{"message_id": ');
    const list = join(dir, 'list.json');
    writeFileSync(list, '[1, 2]');
    const base = ['send', 'message.new', '--url', wazapin.url, '--secret', wazapin.secret, '--payload'];
    const [bad, array] = await Promise.all([runBin([...base, notJson]), runBin([...base, list])]);
    expect([bad.code, array.code]).toEqual([2, 2]);
    expect(bad.stderr).toMatch(/bad\.json is not valid JSON/);
    expect(array.stderr).toMatch(/list\.json must hold a JSON object/);
    expect(received.events).toEqual([]);
  });
});
