import { VERSION_NEUTRAL } from '@nestjs/common';
import type { ModulesContainer } from '@nestjs/core';
import type { WazapinRouteVersion } from '../interfaces/wazapin-webhooks-options.interface.js';
import { WazapinConfigurationError } from '../wazapin-configuration.error.js';
import { WAZAPIN_MODULE_DEFINITION } from '../wazapin-webhooks.constants.js';
import type { WazapinModuleDefinition } from '../wazapin-webhooks.options.js';

/** A route parameter's place in a path pattern. */
const PARAM = ':';

/**
 * Every registration of `WazapinWebhooksModule` in the app, in the order Nest scanned them.
 * Their definitions are value providers, there from the start, whatever is instantiated yet.
 */
export function wazapinRegistrations(modules: ModulesContainer): WazapinModuleDefinition[] {
  const found: WazapinModuleDefinition[] = [];
  for (const module of modules.values()) {
    const definition = module.providers.get(WAZAPIN_MODULE_DEFINITION)?.instance as WazapinModuleDefinition | undefined;
    if (definition) {
      found.push(definition);
    }
  }
  return found;
}

/** The path patterns the registration's routes answer, lower case, `:` for a parameter. */
function routePatterns(definition: WazapinModuleDefinition): string[][] {
  const base = definition.path
    .split('/')
    .filter((segment) => segment !== '')
    .map((segment) => (segment.startsWith(PARAM) ? PARAM : segment.toLowerCase()));
  return definition.tenants ? [[...base, PARAM], [...base, PARAM, PARAM]] : [base, [...base, PARAM]];
}

function overlap(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((segment, index) => segment === PARAM || b[index] === PARAM || segment === b[index]);
}

function versions(version: WazapinRouteVersion | undefined): Set<unknown> {
  return new Set(version === undefined ? [VERSION_NEUTRAL] : Array.isArray(version) ? version : [version]);
}

function render(pattern: readonly string[], definition: WazapinModuleDefinition): string {
  const names = definition.tenants ? [':tenant', ':eventType'] : [':eventType'];
  let param = 0;
  return `POST /${pattern.map((segment) => (segment === PARAM ? names[param++] : segment)).join('/')}`;
}

/**
 * Fails boot when two registrations share a name, or have routes that overlap (`webhooks`
 * takes `/webhooks/:eventType`, which a registration at `webhooks/acme` would share): which of
 * them a delivery reached would depend on the order Nest registered them.
 */
export function checkWazapinRegistrations(registrations: readonly WazapinModuleDefinition[]): void {
  registrations.forEach((a, index) => {
    for (const b of registrations.slice(index + 1)) {
      if (a.name === b.name) {
        throw new WazapinConfigurationError(
          `WazapinWebhooksModule: two registrations are named "${a.name}" (paths ${a.path} and ${b.path}); ` +
            "give each forRoot / forRootAsync a name of its own: { name: 'acme' }",
        );
      }
      const sharedVersion = [...versions(a.version)].some((version) => versions(b.version).has(version));
      for (const left of routePatterns(a)) {
        const right = routePatterns(b).find((pattern) => overlap(left, pattern));
        if (sharedVersion && right) {
          throw new WazapinConfigurationError(
            `WazapinWebhooksModule: the routes of registrations "${a.name}" (path ${a.path}) and "${b.name}" (path ${b.path}) overlap: ` +
              `${render(left, a)} and ${render(right, b)} take the same requests; give them paths that do not nest, such as webhooks/acme and webhooks/globex`,
          );
        }
      }
    }
  });
}
