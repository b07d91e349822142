import { Injectable } from '@nestjs/common';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OnWazapinEvent, WazapinWebhooksModule } from '../../lib/index.js';
import { generateWazapinSecret, sampleWazapinPayload } from '../../lib/testing/index.js';
import { startTestApp, type TestApp } from '../support/webhook-app.js';

@Injectable()
class MessagesHandler {
  @OnWazapinEvent('message.new')
  onMessage(): void {}
}

// With the API installed and no SDK, the module instruments nothing; a tracer provider the app
// registers later is followed from its next request on, as the API's own tracers follow it.
describe('a tracer provider registered after the app booted', () => {
  const secret = generateWazapinSecret();
  const exporter = new InMemorySpanExporter();
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp('fastify', { imports: [WazapinWebhooksModule.forRoot({ secrets: secret, dispatch: 'inline' })], providers: [MessagesHandler] });
  });
  afterAll(() => app.close());

  it('traces the requests after it, with their handler spans as children', async () => {
    const before = await app.deliver({ secret, id: 'msg_before_sdk', body: sampleWazapinPayload('message.new') }, '/webhooks/wazapin/message.new');
    expect(before.json).toEqual({ received: true });

    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    const after = await app.deliver({ secret, id: 'msg_after_sdk', body: { ...sampleWazapinPayload('message.new'), message_id: 'wamid.after' } }, '/webhooks/wazapin/message.new');
    expect(after.json).toEqual({ received: true });

    const spans = exporter.getFinishedSpans();
    expect(spans.map((span) => [span.name, span.attributes['wazapin.delivery_id']])).toEqual([
      ['wazapin.handler MessagesHandler.onMessage', 'msg_after_sdk'],
      ['wazapin.webhook.receive', 'msg_after_sdk'],
    ]);
    expect(spans[0].parentSpanContext?.spanId).toBe(spans[1].spanContext().spanId);
  });
});
