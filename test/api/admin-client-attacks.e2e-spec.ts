import { WazapinValidationError, WazapinWebhooksApiService } from '../../lib/index.js';
import { json, type LoopbackApi, rejection, startLoopbackApi } from '../api/api-test-kit.js';

const WEBHOOKS = '/v1/settings/developer/webhooks';

/** An admin call that puts an id into its path: the id's field name, and the path it is sent to. */
interface IdCall {
  name: string;
  field: 'endpointId' | 'messageId';
  path: (encodedId: string) => string;
  call: (api: WazapinWebhooksApiService, id: string) => Promise<unknown>;
}

/** Every one of them. */
const CALLS: IdCall[] = [
  { name: 'updateEndpoint', field: 'endpointId', path: (id) => `${WEBHOOKS}/endpoints/${id}`, call: (api, id) => api.updateEndpoint(id, { description: 'x' }) },
  { name: 'deleteEndpoint', field: 'endpointId', path: (id) => `${WEBHOOKS}/endpoints/${id}`, call: (api, id) => api.deleteEndpoint(id) },
  { name: 'rotateSecret', field: 'endpointId', path: (id) => `${WEBHOOKS}/endpoints/${id}/rotate-secret`, call: (api, id) => api.rotateSecret(id) },
  { name: 'sendTestDelivery', field: 'endpointId', path: (id) => `${WEBHOOKS}/endpoints/${id}/test`, call: (api, id) => api.sendTestDelivery(id) },
  { name: 'retryDelivery', field: 'messageId', path: (id) => `${WEBHOOKS}/deliveries/${id}/retry`, call: (api, id) => api.retryDelivery(id) },
];

/** Ids that would leave their path segment, be normalised away by the URL parser, or forge a log line. */
const HOSTILE: [label: string, id: unknown][] = [
  ['.', '.'],
  ['..', '..'],
  ['...', '...'],
  ['.~:', '.~:'],
  ['empty', ''],
  ['a space', ' '],
  ['a padded id', ' ep_1 '],
  ['a/b', 'a/b'],
  ['a\\b', 'a\\b'],
  ['%2e%2e', '%2e%2e'],
  ['..%2f', '..%2f'],
  ['a?b', 'a?b'],
  ['a#b', 'a#b'],
  ['a newline', 'a\nb'],
  ['a trailing newline', 'ep_1\n'],
  ['NUL', '\u0000'],
  ['an escape sequence', 'ep_1\u001b[31m'],
  ['256 characters', 'a'.repeat(256)],
  ['an accented letter', 'ép_1'],
  ['a Cyrillic homoglyph', 'ер_1'],
  ['a fullwidth digit', 'ep_１'],
  ['a bidi override', 'ep_\u202e1'],
  ['an emoji', 'ep_🙂'],
  ['undefined', undefined],
  ['null', null],
  ['a number', 42],
  ['an object', { toString: () => 'ep_1' }],
  ['an array', ['ep_1']],
  ['a String object', new String('ep_1')],
];

/** Plain ids as the platform issues them, and the odd but harmless characters a token may hold. */
const VALID: [label: string, id: string, encoded: string][] = [
  ['a Svix-style endpoint id', 'ep_2ZSmlvBuqtb8m8XW8VwN8AFzQJr', 'ep_2ZSmlvBuqtb8m8XW8VwN8AFzQJr'],
  ['a UUID', '0f89b0f9-74b4-44f9-b9b6-48f6d4de57aa', '0f89b0f9-74b4-44f9-b9b6-48f6d4de57aa'],
  ['a message id', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 'msg_p5jXN8AQM9LWM0D4loKWxJek'],
  ['a dotted id', 'a.b', 'a.b'],
  ['an id with colons and a tilde', 'urn:ep:1~x', 'urn%3Aep%3A1~x'],
  ['a 255-character id', 'x'.repeat(255), 'x'.repeat(255)],
];

describe('admin client: ids that are not plain tokens', () => {
  let server: LoopbackApi;
  let api: WazapinWebhooksApiService;

  beforeEach(async () => {
    // An answer every one of the calls accepts.
    server = await startLoopbackApi(json(200, { data: { id: 'ep_1', url: 'https://a.example.com/hook', secret: 'whsec_x', message_id: 'msg_1' } }));
    api = new WazapinWebhooksApiService({ apiKey: 'wzp_key', baseUrl: server.baseUrl, retries: 0 });
  });

  afterEach(async () => {
    await server.close();
  });

  describe.each(CALLS)('$name', ({ name, field, path, call }) => {
    it.each(HOSTILE)(`refuses %s as ${field}, naming the field, and sends nothing`, async (_label, id) => {
      // Non-strings come from untyped callers (JavaScript, a parsed request body).
      const error = await rejection(call(api, id as string));

      expect(error).toBeInstanceOf(WazapinValidationError);
      const { operation, fields, message } = error as WazapinValidationError;
      expect(operation).toBe(name);
      expect(Object.keys(fields)).toEqual([field]);
      expect(fields[field].join()).toMatch(/1 to 255 .*letter or digit/);
      // The id may be an attacker's: the message says what a valid one is, and never replays it.
      expect(message).toBe(((await rejection(call(api, '..'))) as Error).message);
      expect(server.requests).toEqual([]);
    });

    it.each(VALID)(`sends %s as ${field}`, async (_label, id, encoded) => {
      await call(api, id);

      expect(server.requests.map((request) => request.url)).toEqual([path(encoded)]);
    });
  });
});
