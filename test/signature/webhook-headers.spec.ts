import { readWebhookHeaders } from '../../lib/signature/webhook-headers.js';

const svix = { 'svix-id': 'msg_svix', 'svix-timestamp': '1700000000', 'svix-signature': 'v1,c3ZpeA==' };
const webhook = { 'webhook-id': 'msg_webhook', 'webhook-timestamp': '1700000001', 'webhook-signature': 'v1,d2ViaG9vaw==' };

describe('readWebhookHeaders', () => {
  it('reads the svix-* family', () => {
    expect(readWebhookHeaders({ ...svix, 'content-type': 'application/json' })).toEqual({
      id: 'msg_svix',
      timestamp: '1700000000',
      signature: 'v1,c3ZpeA==',
    });
  });

  it('reads the webhook-* family (Standard Webhooks)', () => {
    expect(readWebhookHeaders(webhook)).toEqual({ id: 'msg_webhook', timestamp: '1700000001', signature: 'v1,d2ViaG9vaw==' });
  });

  it('prefers svix-* when both families are present, as the svix library does', () => {
    expect(readWebhookHeaders({ ...webhook, ...svix })).toEqual({ id: 'msg_svix', timestamp: '1700000000', signature: 'v1,c3ZpeA==' });
  });

  it('reads field by field, so a delivery mixing the families still verifies as svix would', () => {
    const mixed = { 'svix-id': 'msg_svix', 'webhook-timestamp': '1700000001', 'webhook-signature': 'v1,d2ViaG9vaw==' };

    expect(readWebhookHeaders(mixed)).toEqual({ id: 'msg_svix', timestamp: '1700000001', signature: 'v1,d2ViaG9vaw==' });
  });

  it('takes the first value of a header given as an array', () => {
    expect(readWebhookHeaders({ ...svix, 'svix-signature': ['v1,Zmlyc3Q=', 'v1,c2Vjb25k'] })).toMatchObject({ signature: 'v1,Zmlyc3Q=' });
  });

  it.each(['id', 'timestamp', 'signature'])('reports a missing %s by both of its names', (field) => {
    const headers: Record<string, string> = { ...svix };
    delete headers[`svix-${field}`];

    expect(readWebhookHeaders(headers)).toEqual({ missing: [`webhook-${field} (or svix-${field})`] });
  });

  it('treats an empty header as missing', () => {
    expect(readWebhookHeaders({ ...svix, 'svix-signature': '' })).toEqual({ missing: ['webhook-signature (or svix-signature)'] });
  });

  it('reports every missing header of a request that is not a delivery at all', () => {
    expect(readWebhookHeaders({ 'content-type': 'application/json' })).toEqual({
      missing: ['webhook-id (or svix-id)', 'webhook-timestamp (or svix-timestamp)', 'webhook-signature (or svix-signature)'],
    });
  });
});
