/** Jest's flags, and the variables npm sets for this repo's own scripts (its prefix, its package). */
const INHERITED_NOISE = /^(?:NODE_OPTIONS$|npm_(?!config_)|npm_config_local_prefix$)/;

/**
 * Environment for a child process that should run as a user's would: this one's, less
 * jest's `NODE_OPTIONS` and this repo's npm script variables, plus `extra`.
 */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !INHERITED_NOISE.test(name)));
  return { ...env, ...extra };
}
