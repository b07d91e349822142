import type { ServerResponse } from 'node:http';
import type { EmulatorChange, EmulatorState } from './emulator-state.js';

/** A comment line this often keeps proxies and browsers from closing an idle stream. */
const PING_INTERVAL_MS = 15_000;

/**
 * `GET /v1/emulator/stream`: server-sent events of every change to attempts and endpoints, so a
 * page stays current without polling.
 */
export class EmulatorStream {
  private readonly responses = new Set<ServerResponse>();

  constructor(private readonly state: EmulatorState) {}

  open(response: ServerResponse): void {
    response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
    response.write(event('ready', {}));
    const unsubscribe = this.state.subscribe((change) => response.write(this.event(change)));
    const ping = setInterval(() => response.write(': ping\n\n'), PING_INTERVAL_MS);
    this.responses.add(response);
    response.on('close', () => {
      unsubscribe();
      clearInterval(ping);
      this.responses.delete(response);
    });
  }

  /** Ends every open stream. */
  close(): void {
    this.responses.forEach((response) => response.end());
  }

  private event(change: EmulatorChange): string {
    return change.kind === 'attempt' ? event('attempt', change.attempt) : event('endpoints', this.state.endpointsWithSecrets());
  }
}

/** One event; JSON has no raw newlines, so `data` is one line. */
function event(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}
