import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateWazapinSecret, signWazapinDelivery, type SignedWazapinDelivery } from '../../lib/testing/index.js';
import { ensureCompiled } from '../support/compiled.js';
import { runBin, type BinRun } from './run-bin.js';

const secret = generateWazapinSecret();
const body = JSON.stringify({ message_id: '9f1fd66d', conversation_id: '0f89b0f9', direction: 'inbound', from_phone: '6281234567890' });
const now = () => Math.floor(Date.now() / 1000);

describe('wazapin-webhooks verify', () => {
  let dir: string;
  let files = 0;
  const outputs: BinRun[] = [];

  /** Writes a capture to files and runs verify on it. */
  async function verify(
    delivery: { headers: Record<string, string> | string; body: string },
    secrets: string[] = [secret],
    extra: string[] = [],
  ): Promise<BinRun> {
    const n = ++files;
    const headersFile = join(dir, `headers-${n}`);
    const bodyFile = join(dir, `body-${n}`);
    writeFileSync(headersFile, typeof delivery.headers === 'string' ? delivery.headers : JSON.stringify(delivery.headers, null, 2));
    writeFileSync(bodyFile, delivery.body);
    const run = await runBin(['verify', ...secrets.flatMap((s) => ['--secret', s]), '--headers', headersFile, '--body', bodyFile, ...extra]);
    outputs.push(run);
    return run;
  }

  const signed = (overrides: Partial<Parameters<typeof signWazapinDelivery>[0]> = {}): SignedWazapinDelivery =>
    signWazapinDelivery({ secret, body, ...overrides });

  beforeAll(() => {
    ensureCompiled();
    dir = mkdtempSync(join(tmpdir(), 'wazapin-verify-'));
  }, 120_000);
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    // Whatever the outcome, the report never shows a secret or a signature.
    const everything = outputs.map((run) => run.stdout + run.stderr).join('\n');
    expect(everything).not.toContain(secret.slice(6));
    expect(everything).not.toMatch(/v1,[A-Za-z0-9+/]{20,}/);
  });

  it('passes a good capture given as JSON headers, and exits 0', async () => {
    const run = await verify(signed());
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^ok {4}headers {4}delivery msg_\S+ \(svix-\* headers\)$/m);
    expect(run.stdout).toMatch(/^ok {4}timestamp {2}signed \S+Z, \d+ s ago, within 300 s$/m);
    expect(run.stdout).toMatch(/^ok {4}signature {2}a v1 signature matches the secret$/m);
    expect(run.stdout).toMatch(/^The delivery verifies\.$/m);
  });

  it('reads "Name: value" lines as curl -v or a proxy log shows them', async () => {
    const delivery = signed({ headers: 'webhook' });
    const dump = [
      '> POST /webhooks/wazapin HTTP/1.1',
      '> Host: api.example.com',
      ...Object.entries(delivery.headers).map(([name, value]) => `> ${name.replace(/(^|-)\w/g, (c) => c.toUpperCase())}: ${value}`),
      '>',
    ].join('\r\n');
    const run = await verify({ headers: dump, body: delivery.body });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/\(webhook-\* headers\)/);
  });

  it('names the secret that matched during a rotation', async () => {
    const [old, next] = [generateWazapinSecret(), secret];
    const run = await verify(signed({ secrets: [next] }), [old, next]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/a v1 signature matches secret #2 of 2/);
  });

  it('fails the signature for another secret, with what to check', async () => {
    const run = await verify(signed({ secret: generateWazapinSecret() }));
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^FAIL {2}signature {2}no v1 signature matches the secret \(header holds 1 v1\)$/m);
    expect(run.stdout).toMatch(/Each endpoint has its own secret/);
    expect(run.stdout).toMatch(/^The delivery does not verify: the signature check fails\.$/m);
  });

  it('fails the signature for a tampered body', async () => {
    const delivery = signed();
    const run = await verify({ headers: delivery.headers, body: delivery.body.replace('6281234567890', '6289999999999') });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^FAIL {2}signature/m);
    expect(run.stdout).toMatch(/^ok {4}timestamp/m);
  });

  it('spots a trailing newline the capture added', async () => {
    const delivery = signed();
    const run = await verify({ headers: delivery.headers, body: `${delivery.body}\n` });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/matches once the trailing newline is removed/);
  });

  it('spots a body that was parsed and re-encoded before it was captured', async () => {
    const delivery = signed();
    const run = await verify({ headers: delivery.headers, body: JSON.stringify(JSON.parse(delivery.body), null, 2) });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/matches the compact JSON of this body: it was captured after parsing and re-encoding/);
  });

  it('fails an old capture on its timestamp only, and checks just the signature with --ignore-timestamp', async () => {
    const delivery = signed({ timestamp: now() - 3 * 86400 });
    const strict = await verify(delivery);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toMatch(/^FAIL {2}timestamp {2}signed \S+Z, 3 days ago; the receiver accepts 300 s either way$/m);
    expect(strict.stdout).toMatch(/pass --ignore-timestamp/);
    expect(strict.stdout).toMatch(/^ok {4}signature/m);
    expect(strict.stdout).toMatch(/the timestamp check fails\.$/m);

    const lenient = await verify(delivery, [secret], ['--ignore-timestamp']);
    expect(lenient.code).toBe(0);
    expect(lenient.stdout).toMatch(/^skip {2}timestamp {2}signed \S+Z, 3 days ago; its age is not checked/m);
  });

  it('applies --tolerance, and flags a timestamp from the future', async () => {
    const ahead = signed({ timestamp: now() + 600 });
    expect((await verify(ahead)).stdout).toMatch(/^FAIL {2}timestamp {2}signed \S+Z, 10 min ahead of this machine's clock/m);
    expect((await verify(ahead, [secret], ['--tolerance', '900'])).code).toBe(0);
  });

  it('reports missing headers and a malformed timestamp, and what it could not check', async () => {
    const delivery = signed();
    const { 'svix-signature': _dropped, ...withoutSignature } = delivery.headers;
    const missing = await verify({ headers: withoutSignature, body: delivery.body });
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/^FAIL {2}headers {4}missing webhook-signature \(or svix-signature\)$/m);
    expect(missing.stdout).toMatch(/^skip {2}signature {2}needs the three webhook headers$/m);

    const badTimestamp = await verify({ headers: { ...delivery.headers, 'svix-timestamp': '2024-01-01T00:00:00Z' }, body: delivery.body });
    expect(badTimestamp.code).toBe(1);
    expect(badTimestamp.stdout).toMatch(/^FAIL {2}timestamp {2}the timestamp header is not an integer of Unix seconds$/m);
    expect(badTimestamp.stdout).toMatch(/^skip {2}signature/m);
  });

  it('fails a timestamp past any date a clock can show, also with --ignore-timestamp, instead of crashing', async () => {
    const delivery = signed({ timestamp: 9_000_000_000_000 });
    for (const extra of [[], ['--ignore-timestamp']]) {
      const run = await verify(delivery, [secret], extra);
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/^FAIL {2}timestamp {2}the timestamp header is an integer, but past any date a clock can show$/m);
      expect(run.stderr).toBe('');
    }
  });

  it('escapes a captured delivery id that holds control characters', async () => {
    const run = await verify(signed({ id: 'msg_\u001b[31mred' }));
    expect(run.stdout).toMatch(/delivery msg_\\x1b\[31mred/);
    expect(run.stdout).not.toMatch(/\u001b/);
  });

  it('says when the header holds no v1 signature at all', async () => {
    const delivery = signed();
    const bare = delivery.headers['svix-signature'].slice(3);
    const run = await verify({ headers: { ...delivery.headers, 'svix-signature': `v1a,c2lnbmF0dXJl ${bare}` }, body: delivery.body });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/the signature header holds no v1 signature \(1 v1a, 1 malformed\)/);
    expect(run.stdout).not.toContain(bare);
  });

  it('refuses missing files and unreadable headers with exit 2', async () => {
    const headersFile = join(dir, 'garbled');
    writeFileSync(headersFile, 'svix-id msg_1\nsvix-timestamp: 1');
    const cases = await Promise.all([
      runBin(['verify', '--secret', secret, '--headers', join(dir, 'none'), '--body', join(dir, 'none')]),
      runBin(['verify', '--secret', secret, '--headers', headersFile, '--body', headersFile]),
      runBin(['verify', '--headers', headersFile, '--body', headersFile]),
      runBin(['verify', '--secret', secret, '--body', headersFile]),
      runBin(['verify', '--secret', secret, '--headers', headersFile, '--body', headersFile, '--tolerance', '0']),
    ]);
    outputs.push(...cases);
    expect(cases.map((run) => run.code)).toEqual([2, 2, 2, 2, 2]);
    expect(cases[0].stderr).toMatch(/Cannot read the --headers file \S+none: no such file/);
    expect(cases[1].stderr).toMatch(/Line 1 of the --headers file \S+garbled is not a "Name: value" header/);
    expect(cases[2].stderr).toMatch(/Missing --secret/);
    expect(cases[3].stderr).toMatch(/Missing --headers/);
    expect(cases[4].stderr).toMatch(/--tolerance must be an integer of at least 1/);
  });
});
