import { register } from 'node:module';

// Loaded with `node --import` before an app process's own code (see `serverExecArgv`): registers
// the resolve hook of without-opentelemetry.hooks.ts, so `@opentelemetry/api` cannot be imported
// in that process and the module boots without telemetry (NO_TELEMETRY), as an app that does not
// have the API installed. Prints nothing.
register('./without-opentelemetry.hooks.js', import.meta.url);
