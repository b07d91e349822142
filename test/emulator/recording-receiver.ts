import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a {@link RecordingReceiver} got. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/**
 * A plain HTTP server on loopback standing in for a webhook consumer: it records every request
 * and answers with the status `respond` returns (default 200).
 */
export class RecordingReceiver {
  readonly received: ReceivedRequest[] = [];
  respond: (request: ReceivedRequest) => number = () => 200;
  /** How long to wait before answering. */
  answerAfterMs = 0;

  private constructor(private readonly server: Server) {}

  static async start(): Promise<RecordingReceiver> {
    const server = createServer();
    const receiver = new RecordingReceiver(server);
    server.on('request', (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const received: ReceivedRequest = {
          method: request.method ?? '',
          path: request.url ?? '',
          headers: request.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          at: Date.now(),
        };
        receiver.received.push(received);
        const status = receiver.respond(received);
        setTimeout(() => {
          response.writeHead(status, { 'content-type': 'text/plain' });
          response.end(status >= 200 && status < 300 ? 'ok' : `status ${status}`);
        }, receiver.answerAfterMs);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  url(path = '/hook'): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

/**
 * Makes `receiver` an app that is down (503) until `up` is set, then answers 200 and records
 * the delivery id (`svix-id`) of each delivery it took.
 */
export function downUntilUp(receiver: RecordingReceiver): { up: boolean; readonly handled: string[] } {
  const state = { up: false, handled: [] as string[] };
  receiver.respond = (request) => {
    if (!state.up) {
      return 503;
    }
    state.handled.push(String(request.headers['svix-id']));
    return 200;
  };
  return state;
}
