import { register } from 'node:module';

// Loaded with `node --import` before an app process's own code (see `serverExecArgv`): registers
// the resolve hook of without-opentelemetry.hooks.ts, so `@opentelemetry/api` cannot be imported
// in that process and the module boots without telemetry (NO_TELEMETRY), as an app that does not
// have the API installed; with WAZAPIN_BENCH_BLOCK_API_FOR_MODULE_ONLY=1, only the module's imports of
// it fail (the SDK's resolve). Prints nothing.
register('./without-opentelemetry.hooks.js', import.meta.url, { data: { moduleOnly: process.env.WAZAPIN_BENCH_BLOCK_API_FOR_MODULE_ONLY === '1' } });
