import { VERSION_NEUTRAL, type VersioningOptions, VersioningType } from '@nestjs/common';
import type { WazapinRouteVersion } from '../interfaces/wazapin-webhooks-options.interface.js';

/** Where Nest mounts the webhook route, as the app configured it before it started. */
export interface WebhookRouteSettings {
  /** The module's `path`. */
  path: string;
  /** The module's `version` option. */
  version?: WazapinRouteVersion;
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

/**
 * Tells the requests of the webhook route apart from the app's others by their path, for errors
 * raised before routing. The route's path patterns are those Nest registers: `[prefix]/[version]/
 * path` and the same with `/:eventType`; `:param` segments match one segment, the rest matches
 * as Express does (case-insensitive, a trailing slash allowed).
 */
export function webhookRouteMatcher(settings: WebhookRouteSettings): (requestPath: string) => boolean {
  const prefixes = [segments(settings.globalPrefix), ...(settings.prefixMayBeExcluded ? [[]] : [])];
  const patterns = prefixes.flatMap((prefix) =>
    versionSegments(settings).flatMap((version) => {
      const base = [...prefix, ...(version === undefined ? [] : [version]), ...segments(settings.path)].map((segment) => segment.toLowerCase());
      return [base, [...base, ':eventType']];
    }),
  );
  return (requestPath) => {
    const parts = segments(requestPath).map((segment) => segment.toLowerCase());
    return patterns.some(
      (pattern) => pattern.length === parts.length && pattern.every((segment, index) => segment.startsWith(':') || segment === parts[index]),
    );
  };
}
