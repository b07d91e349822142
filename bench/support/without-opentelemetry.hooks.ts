import type { ResolveHook } from 'node:module';

/** The package an app without OpenTelemetry does not have, and its subpaths. */
const BLOCKED = '@opentelemetry/api';
/** Where the package's compiled modules are: with `moduleOnly`, only their imports are blocked. */
const MODULE_BUILD = '/.build/lib/';

/** With `moduleOnly`, the module's imports of the API fail and everyone else's (the SDK's) resolve. */
let moduleOnly = false;

export function initialize(data: { moduleOnly?: boolean } | undefined): void {
  moduleOnly = data?.moduleOnly === true;
}

/**
 * Module resolve hook (registered by without-opentelemetry.ts): `@opentelemetry/api` resolves as
 * a package that is not installed would, with an `ERR_MODULE_NOT_FOUND` error; every other
 * specifier as usual. Only `import` goes through it: `require` of the API still works, and nothing
 * in the module's route requires it.
 */
export const resolve: ResolveHook = (specifier, context, nextResolve) => {
  const blocked = specifier === BLOCKED || specifier.startsWith(`${BLOCKED}/`);
  if (blocked && (!moduleOnly || (context.parentURL ?? '').includes(MODULE_BUILD))) {
    const error = new Error(`Cannot find package '${specifier}' imported from ${context.parentURL ?? 'the entry point'} (blocked by the benchmark)`);
    (error as NodeJS.ErrnoException).code = 'ERR_MODULE_NOT_FOUND';
    throw error;
  }
  return nextResolve(specifier, context);
};
