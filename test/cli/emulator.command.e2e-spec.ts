import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'svix';
import { ensureCompiled } from '../support/compiled.js';
import type { WatchedProcess } from '../support/watched-process.js';
import { runBin, startBin } from './run-bin.js';

interface Captured {
  headers: IncomingMessage['headers'];
  body: string;
}

describe('wazapin-webhooks emulator', () => {
  let receiver: Server;
  let receiverUrl: string;
  const captured: Captured[] = [];
  const running: WatchedProcess[] = [];

  beforeAll(async () => {
    ensureCompiled();
    receiver = createServer((request, response) => {
      let body = '';
      request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      request.on('end', () => {
        captured.push({ headers: request.headers, body });
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/wazapin`;
  }, 120_000);
  afterAll(async () => {
    await Promise.all(running.map((emulator) => emulator.stop('SIGKILL')));
    await new Promise((resolve) => receiver.close(resolve));
  });

  function start(args: string[] = []): WatchedProcess {
    const emulator = startBin(['emulator', ...args]);
    running.push(emulator);
    return emulator;
  }

  it('prints its base URL and API key, serves the API, delivers signed events, and stops on SIGINT', async () => {
    const emulator = start(['--api-key', 'wzp_test_cli']);
    const [, baseUrl] = await emulator.waitFor(/^ {2}WAZAPIN_API_BASE_URL=(http:\/\/127\.0\.0\.1:\d+)$/m);
    expect(emulator.stdout).toMatch(/^ {2}WAZAPIN_API_KEY=wzp_test_cli$/m);
    const api = `${baseUrl}/v1/settings/developer/webhooks`;
    const auth = { authorization: 'Bearer wzp_test_cli', 'content-type': 'application/json' };

    expect((await fetch(api)).status).toBe(401);
    const created = await fetch(`${api}/endpoints`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ url: receiverUrl, event_types: ['message.status_update'] }),
    });
    expect(created.status).toBe(201);
    const endpoint = ((await created.json()) as { data: { id: string; secret: string } }).data;

    const test = await fetch(`${api}/endpoints/${endpoint.id}/test`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ event_type: 'message.status_update' }),
    });
    expect(test.status).toBe(202);
    await emulator.waitFor(/^delivery {2}message\.status_update msg_\S+ attempt 1 -> http:\/\/127\.0\.0\.1:\d+\/webhooks\/wazapin: 200 \(success\)$/m);
    expect(captured).toHaveLength(1);
    const verified = new Webhook(endpoint.secret).verify(captured[0].body, captured[0].headers as Record<string, string>);
    expect(verified).toMatchObject({ status: 'delivered' });
    expect(emulator.stdout).toMatch(/^api {7}POST \/v1\/settings\/developer\/webhooks\/endpoints -> 201$/m);

    expect(await emulator.stop('SIGINT')).toBe(0);
    expect(emulator.stdout).toMatch(/Emulator stopped \(SIGINT\)\.\n$/);
    expect(emulator.stderr).toBe('');
  });

  it('listens on the --port asked for, and says so when it is taken', async () => {
    const first = start(['--quiet']);
    const [, port] = await first.waitFor(/WAZAPIN_API_BASE_URL=http:\/\/127\.0\.0\.1:(\d+)/);
    const second = await runBin(['emulator', '--port', port]);
    expect(second.code).toBe(1);
    expect(second.stderr).toBe(`Port ${port} is in use; pick another with --port, or 0 for a free one\n`);
    expect(await first.stop('SIGTERM')).toBe(0);

    const again = start(['--port', port, '--quiet']);
    await again.waitFor(new RegExp(`WAZAPIN_API_BASE_URL=http://127\\.0\\.0\\.1:${port}$`, 'm'));
    expect(await again.stop()).toBe(0);
  });

  it.each([
    [['--port', 'http'], /--port must be an integer of at least 0/],
    [['--port', '70000'], /--port must be at most 65535/],
    [['--retry-scale', 'fast'], /--retry-scale must be a number of at least 0/],
    [['--body', 'xml'], /--body must be "flat" or "envelope"/],
    [['--header-family', 'x'], /--header-family must be "svix" or "webhook"/],
    [['--verbose'], /Unknown option '--verbose'/],
  ])('refuses %j with exit 2', async (args, message) => {
    const run = await runBin(['emulator', ...args]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
  });
});
