// The one CommonJS file of the package, in both its builds: `require` and `__dirname` are what
// ESM spells `import.meta`, which code the CommonJS build also compiles cannot use.

/** `require` resolving from this package's own folder, to load an optional peer on demand. */
export const packageRequire: NodeJS.Require = require;

/** The folder of this file in the package. */
export const packageDirectory: string = __dirname;
