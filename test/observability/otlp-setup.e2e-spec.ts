import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { generateWazapinSecret, sampleWazapinPayload, signWazapinDelivery } from '../../lib/testing/index.js';
import { readmeBlocks } from '../readme/readme-examples.js';
import { BUILD_DIR, ensureCompiled } from '../support/compiled.js';
import { waitUntil } from '../support/wait-until.js';
import { WatchedProcess } from '../support/watched-process.js';

/** What a fake OTLP/HTTP collector on loopback was sent: each request's path and JSON body. */
interface Export {
  path: string;
  body: string;
}

/**
 * The README's OpenTelemetry setup, as written, in a real app: its spans and metrics reach an
 * OTLP collector (here a loopback HTTP server taking OTLP/JSON).
 */
describe("the README's OTLP setup", () => {
  const exports: Export[] = [];
  let collector: Server;
  let app: WatchedProcess | undefined;

  beforeAll(async () => {
    collector = createServer((request, response) => {
      let body = '';
      request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      request.on('end', () => {
        exports.push({ path: request.url ?? '', body });
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    collector.listen(0, '127.0.0.1');
    await once(collector, 'listening');
  });

  afterAll(async () => {
    await app?.stop();
    collector.close();
  });

  it('exports the receive and handler spans and the delivery counter to the collector', async () => {
    const setup = readmeBlocks().find((block) => block.code.includes('new OTLPTraceExporter()'));
    expect(setup?.code.split('\n').length).toBeLessThanOrEqual(16);
    ensureCompiled();
    // Beside the compiled app, so its imports resolve from this repo's node_modules.
    const tracingFile = join(BUILD_DIR, 'test', 'fixtures', 'readme-tracing.mjs');
    writeFileSync(tracingFile, setup!.code);
    const secret = generateWazapinSecret();
    const { port } = collector.address() as { port: number };
    app = new WatchedProcess(process.execPath, [join(BUILD_DIR, 'test', 'fixtures', 'otlp-app.js')], {
      env: { TRACING_FILE: pathToFileURL(tracingFile).href, WAZAPIN_SECRET: secret, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` },
    });
    const [, appPort] = await app.waitFor(/listening on (\d+)/);

    const signed = signWazapinDelivery({ secret, body: sampleWazapinPayload('message.new') });
    const response = await fetch(`http://127.0.0.1:${appPort}/webhooks/wazapin/message.new`, { method: 'POST', headers: signed.headers, body: signed.body });
    expect(response.status).toBe(200);

    // Spans are batched (5 s) and metrics exported every 15 s, as the setup says.
    const sent = (path: string, text: string) => exports.some((item) => item.path === path && item.body.includes(text));
    await waitUntil('the handler span and the delivery counter at the collector', () => sent('/v1/traces', 'wazapin.handler MessagesHandler.onMessage') && sent('/v1/metrics', 'wazapin.webhook.deliveries'), 25_000);
    const traces = exports.filter((item) => item.path === '/v1/traces').map((item) => item.body).join('\n');
    expect(traces).toContain('"wazapin.webhook.receive"');
    expect(traces).toContain(signed.id);
    expect(traces).toContain('nestjs-wazapin-webhooks');
  }, 40_000);
});
