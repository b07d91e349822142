import { VERSION_NEUTRAL, VersioningType } from '@nestjs/common';
import { webhookRouteMatcher, type WebhookRouteSettings } from '../../lib/receiving/webhook-route-matcher.js';

const matcher = (settings: Partial<WebhookRouteSettings>) => {
  const match = webhookRouteMatcher({ path: 'webhooks/wazapin', globalPrefix: '', prefixMayBeExcluded: false, ...settings });
  return (path: string) => match(path) !== undefined;
};

describe('webhookRouteMatcher', () => {
  it('matches the route and its event type path, as Express does', () => {
    const matches = matcher({});
    for (const path of ['/webhooks/wazapin', '/webhooks/wazapin/', '/webhooks/wazapin/message.new', '/Webhooks/Wazapin/x']) {
      expect({ path, matches: matches(path) }).toEqual({ path, matches: true });
    }
  });

  it("does not match the app's routes that merely end like it or start like it", () => {
    const matches = matcher({});
    for (const path of ['/admin/webhooks/wazapin', '/admin/webhooks/wazapin/config', '/webhooks/wazapin/a/b', '/webhooks', '/webhooks/wazapinx', '/webhooks//wazapin', '//webhooks/wazapin']) {
      expect({ path, matches: matches(path) }).toEqual({ path, matches: false });
    }
  });

  it('puts the global prefix in front, and allows none only when exclusions may apply', () => {
    expect(matcher({ globalPrefix: 'api' })('/api/webhooks/wazapin')).toBe(true);
    expect(matcher({ globalPrefix: '/api/' })('/webhooks/wazapin')).toBe(false);
    expect(matcher({ globalPrefix: 'api', prefixMayBeExcluded: true })('/webhooks/wazapin')).toBe(true);
  });

  it('adds URI version segments for a versioned route only', () => {
    const uri = { type: VersioningType.URI } as const;
    expect(matcher({ versioning: uri })('/webhooks/wazapin')).toBe(true);
    expect(matcher({ versioning: uri, version: VERSION_NEUTRAL })('/webhooks/wazapin')).toBe(true);
    expect(matcher({ versioning: uri, version: '2' })('/v2/webhooks/wazapin/message.new')).toBe(true);
    expect(matcher({ versioning: uri, version: '2' })('/webhooks/wazapin')).toBe(false);
    expect(matcher({ versioning: { type: VersioningType.URI, prefix: false }, version: ['1', VERSION_NEUTRAL] })('/1/webhooks/wazapin')).toBe(true);
    expect(matcher({ versioning: { type: VersioningType.HEADER, header: 'v' }, version: '2' })('/webhooks/wazapin')).toBe(true);
  });

  it('lets a path parameter of the module path match one segment', () => {
    expect(matcher({ path: 'webhooks/:tenant' })('/webhooks/acme/message.new')).toBe(true);
  });

  it("reads a tenants registration's tenant segment, decoded, on both of its routes", () => {
    const match = webhookRouteMatcher({ path: 'webhooks/saas', globalPrefix: 'api', prefixMayBeExcluded: false, tenants: true });
    expect(match('/api/webhooks/saas/customer-42')).toEqual({ tenant: 'customer-42' });
    expect(match('/api/webhooks/saas/Customer-42/message.new')).toEqual({ tenant: 'Customer-42' });
    expect(match('/api/webhooks/saas/a%2Fb')).toEqual({ tenant: 'a/b' });
    expect(match('/api/webhooks/saas/%E0%A4')).toEqual({ tenant: undefined });
    expect(match('/api/webhooks/saas')).toBeUndefined();
    expect(match('/api/webhooks/saas/a/b/c')).toBeUndefined();
  });
});
