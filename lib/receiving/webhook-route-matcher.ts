import { VERSION_NEUTRAL, type VersioningOptions, VersioningType } from '@nestjs/common';
import type { WazapinRouteVersion } from '../interfaces/wazapin-webhooks-options.interface.js';

/** Where Nest mounts the webhook route, as the app configured it before it started. */
export interface WebhookRouteSettings {
  /** The module's `path`. */
  path: string;
  /** The module's `version` option. */
  version?: WazapinRouteVersion;
  /** Whether the routes start with a tenant segment (`tenants`). */
  tenants?: boolean;
  /** The app's global prefix, and whether its exclusions may leave the route without it. */
  globalPrefix: string;
  prefixMayBeExcluded: boolean;
  /** The app's versioning, if it enabled it. */
  versioning?: VersioningOptions;
}

function segments(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '');
}

/** The version segments of the route's URI: one per version, none when neutral or not URI versioning. */
function versionSegments({ version, versioning }: WebhookRouteSettings): (string | undefined)[] {
  if (versioning?.type !== VersioningType.URI || version === undefined) {
    return [undefined];
  }
  const prefix = versioning.prefix === false ? '' : (versioning.prefix ?? 'v');
  return (Array.isArray(version) ? version : [version]).map((value) => (value === VERSION_NEUTRAL ? undefined : `${prefix}${String(value)}`));
}

/** A request path of the webhook route: its tenant segment, decoded, for a `tenants` registration. */
export interface WebhookRouteMatch {
  readonly tenant?: string;
}

const TENANT = ':tenant';

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/**
 * Tells the requests of the webhook route apart from the app's others by their path, for errors
 * raised before routing. The route's path patterns are those Nest registers: `[prefix]/[version]/
 * path` and the same with `/:eventType`, after `/:tenant` for a `tenants` registration; `:param`
 * segments match one segment, the rest matches as Express does (case-insensitive, a trailing
 * slash allowed). Answers `undefined` for a path of another route.
 */
export function webhookRouteMatcher(settings: WebhookRouteSettings): (requestPath: string) => WebhookRouteMatch | undefined {
  const prefixes = [segments(settings.globalPrefix), ...(settings.prefixMayBeExcluded ? [[]] : [])];
  const patterns = prefixes.flatMap((prefix) =>
    versionSegments(settings).flatMap((version) => {
      const base = [...prefix, ...(version === undefined ? [] : [version]), ...segments(settings.path)].map((segment) => segment.toLowerCase());
      const route = settings.tenants ? [...base, TENANT] : base;
      return [route, [...route, ':eventType']];
    }),
  );
  return (requestPath) => {
    // An empty segment inside the path (`//`) is no route's; a trailing slash is allowed.
    const given = requestPath.replace(/^\//, '').replace(/\/$/, '').split('/');
    const parts = given.map((segment) => segment.toLowerCase());
    const pattern = patterns.find(
      (candidate) => candidate.length === parts.length && candidate.every((segment, index) => segment.startsWith(':') || segment === parts[index]),
    );
    if (!pattern) {
      return undefined;
    }
    const tenantAt = settings.tenants ? pattern.lastIndexOf(TENANT) : -1;
    return tenantAt === -1 ? {} : { tenant: decodeSegment(given[tenantAt]) };
  };
}
