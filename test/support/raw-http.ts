import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
}

/**
 * Sends one HTTP/1.1 request byte for byte, as written: a path that `fetch` would normalise
 * (`/a/../b`, `%0A`), header values in latin-1 with bytes `fetch` refuses to send.
 */
export function rawRequest(url: string, method: string, path: string, headers: [string, string][], body: Buffer | string = ''): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  const payload = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const head = [
    `${method} ${path} HTTP/1.1`,
    `Host: ${hostname}:${port}`,
    'Connection: close',
    `Content-Length: ${payload.length}`,
    ...headers.map(([name, value]) => `${name}: ${value}`),
    '',
    '',
  ].join('\r\n');
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => socket.end(Buffer.concat([Buffer.from(head, 'latin1'), payload])));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const response = Buffer.concat(chunks).toString('latin1');
      const split = response.indexOf('\r\n\r\n');
      const [statusLine, ...lines] = response.slice(0, split).split('\r\n');
      const headerMap = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      let text = response.slice(split + 4);
      if (headerMap['transfer-encoding'] === 'chunked') {
        text = dechunk(text);
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers: headerMap, text });
    });
  });
}

function dechunk(text: string): string {
  let out = '';
  for (let at = 0; at < text.length; ) {
    const lineEnd = text.indexOf('\r\n', at);
    const size = Number.parseInt(text.slice(at, lineEnd), 16);
    if (!size) {
      break;
    }
    out += text.slice(lineEnd + 2, lineEnd + 2 + size);
    at = lineEnd + 2 + size + 2;
  }
  return out;
}
