import { Injectable } from '@nestjs/common';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OnWazapinEvent, WazapinWebhooksModule, type WazapinEvent } from '../../lib/index.js';
import { generateWazapinSecret, sampleWazapinPayload, signWazapinDelivery } from '../../lib/testing/index.js';
import { ADAPTERS, startTestApp, type TestApp } from '../support/webhook-app.js';
import { waitUntil } from '../support/wait-until.js';

// What an outside attack on the instrumentation found, each kept as a test: an app's SDK that
// throws must change nothing the platform is answered or the handlers do.

/** A span processor that throws where the test says, until told to stop. */
class ThrowingProcessor implements SpanProcessor {
  throwsOn: 'start' | 'end' | undefined;
  onStart(): void {
    if (this.throwsOn === 'start') {
      throw new Error('span processor exploded on start');
    }
  }
  onEnd(): void {
    if (this.throwsOn === 'end') {
      throw new Error('span processor exploded on end');
    }
  }
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

const throwing = new ThrowingProcessor();
const exporter = new InMemorySpanExporter();
beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [throwing, new SimpleSpanProcessor(exporter)] }));
});
afterEach(() => {
  throwing.throwsOn = undefined;
  exporter.reset();
});

@Injectable()
class CountingHandler {
  static readonly runs: string[] = [];
  @OnWazapinEvent('message.status_update')
  onStatus(event: WazapinEvent<'message.status_update'>): void {
    CountingHandler.runs.push(event.id);
  }
}

const secret = generateWazapinSecret();
const statusUpdate = (messageId: string) => ({ ...sampleWazapinPayload('message.status_update'), message_id: messageId, status: 'delivered' });

describe.each(ADAPTERS)('an SDK that throws, on %s', (adapter) => {
  describe.each([
    ['inline', { dispatch: 'inline' as const }],
    ['background', { dispatch: 'background' as const }],
    ["background with statusOrder: 'drop'", { dispatch: 'background' as const, statusOrder: 'drop' as const }],
  ] as [string, { dispatch: 'inline' | 'background'; statusOrder?: 'drop' }][])('%s', (_label, options) => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startTestApp(adapter, { imports: [WazapinWebhooksModule.forRoot({ secrets: secret, ...options })], providers: [CountingHandler] });
    });
    afterAll(() => app.close());

    it.each(['start', 'end'] as const)('on span %s: each delivery answered 200 and handled once, a copy a duplicate', async (where) => {
      throwing.throwsOn = where;
      const id = `msg_${adapter}_${options.dispatch}_${options.statusOrder ?? 'any'}_${where}`;
      const body = statusUpdate(`wamid.${id}`);
      const first = await app.deliver({ secret, id, body }, '/webhooks/wazapin/message.status_update');
      expect(first.status).toBe(200);
      expect(first.json).toEqual({ received: true });
      await waitUntil('the handler to run', () => CountingHandler.runs.includes(id));
      throwing.throwsOn = undefined;
      const copy = await app.deliver({ secret, id, body }, '/webhooks/wazapin/message.status_update');
      expect(copy.json).toEqual({ received: true, duplicate: true });
      expect(CountingHandler.runs.filter((run) => run === id)).toHaveLength(1);
      expect(app.logger.has('warn', /OpenTelemetry SDK threw/)).toBe(true);
      expect(app.logger.has('error', /HEADERS_SENT|Unexpected error/)).toBe(false);
    });
  });
});

describe('a signed body that does not decompress as its content-encoding says, on Express', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('express', { imports: [WazapinWebhooksModule.forRoot({ secrets: secret })], providers: [CountingHandler] });
  });
  afterAll(() => app.close());

  it.each(['gzip', 'br', 'deflate'])('%s: answered 400 in the route\'s shape, and traced as rejected, body-unreadable', async (encoding) => {
    const signed = signWazapinDelivery({ secret, body: statusUpdate(`wamid.${encoding}`) });
    const response = await app.post({ ...signed.headers, 'content-encoding': encoding }, signed.body);
    expect(response.status).toBe(400);
    expect(response.json).toEqual({ statusCode: 400, error: 'Bad Request', message: 'Webhook body could not be read' });
    const [span] = exporter.getFinishedSpans().filter((finished) => finished.name === 'wazapin.webhook.receive');
    expect(span?.attributes).toMatchObject({ 'wazapin.outcome': 'rejected', 'wazapin.rejection': 'body-unreadable', 'http.response.status_code': 400 });
  });
});
