import { WazapinConfigurationError } from '../wazapin-configuration.error.js';

/** What a numeric option must be. */
export type NumberRule = 'positive' | 'positive integer' | { readonly atLeast: number };

function satisfies(value: number, rule: NumberRule): boolean {
  if (!Number.isFinite(value)) {
    return false;
  }
  if (rule === 'positive') {
    return value > 0;
  }
  if (rule === 'positive integer') {
    return Number.isInteger(value) && value >= 1;
  }
  return value >= rule.atLeast;
}

function describe(rule: NumberRule): string {
  return typeof rule === 'string' ? `a ${rule === 'positive' ? 'positive number' : rule}` : `a number of at least ${rule.atLeast}`;
}

/**
 * A numeric option, or its default when unset, checked against `rule`; otherwise a
 * {@link WazapinConfigurationError} naming the option (`name`, e.g. `queue.attempts`).
 */
export function checkNumber(name: string, value: number | undefined, fallback: number, rule: NumberRule): number {
  const resolved = value ?? fallback;
  if (typeof resolved !== 'number' || !satisfies(resolved, rule)) {
    throw new WazapinConfigurationError(`WazapinWebhooksModule: ${name} must be ${describe(rule)}, got ${String(value)}`);
  }
  return resolved;
}
