import { WazapinConfigurationError } from '../wazapin-configuration.error.js';

/** The part of `@nestjs/terminus` the health indicator uses. */
export type Terminus = Pick<typeof import('@nestjs/terminus'), 'HealthIndicatorService'>;

/** Loads `@nestjs/terminus` when the health indicator starts, so apps without it need not install it. */
export async function loadTerminus(): Promise<Terminus> {
  try {
    return await import('@nestjs/terminus');
  } catch {
    throw new WazapinConfigurationError(
      'WazapinHealthIndicator needs the @nestjs/terminus package (11 or 12). Install it with `npm install @nestjs/terminus`, ' +
        'and import TerminusModule in the module that provides the indicator.',
    );
  }
}
