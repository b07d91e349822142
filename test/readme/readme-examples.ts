import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { ROOT } from '../support/compiled.js';

/** One ` ```ts ` block of the README. */
export interface ReadmeBlock {
  /** 1-based, in README order. */
  index: number;
  /** Line of the opening fence. */
  line: number;
  code: string;
}

/**
 * How a block is run, by its form: complete files (with their imports), or a fragment of the
 * Install app that the harness places where the README says it goes.
 */
export type BlockKind =
  | 'install'
  | 'test'
  | 'file'
  | 'providers'
  | 'members'
  | 'module-import'
  | 'async-options'
  | 'module-metadata'
  | 'service'
  | 'main-statements'
  | 'script';

export interface ClassifiedBlock extends ReadmeBlock {
  kind: BlockKind;
}

/** Where the generated programs go (git-ignored), and where tsc puts their JavaScript. */
export const EXAMPLES_DIR = join(ROOT, '.readme-examples');
const SRC = join(EXAMPLES_DIR, 'src');
export const OUT = join(EXAMPLES_DIR, 'out', '.readme-examples', 'src');

export function readmeBlocks(readme = readFileSync(join(ROOT, 'README.md'), 'utf8')): ReadmeBlock[] {
  const blocks: ReadmeBlock[] = [];
  const lines = readme.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] === '```ts') {
      const end = lines.indexOf('```', i + 1);
      blocks.push({ index: blocks.length + 1, line: i + 1, code: lines.slice(i + 1, end).join('\n') });
      i = end;
    }
  }
  return blocks;
}

const FILE_HEADER = /^\/\/ ([\w.-]+\.ts)\b/;

export function classify(block: ReadmeBlock): BlockKind {
  const { code } = block;
  const first = code.split('\n')[0];
  const hasImports = /^import /m.test(code);
  if (hasImports && /\bdescribe\(/.test(code)) {
    return 'test';
  }
  if (hasImports && /^\/\/ (main|app\.module|messages\.handler)\.ts/.test(first) && !/\bdescribe\(/.test(code)) {
    return 'install';
  }
  if (hasImports && /^WazapinWebhooksModule\./m.test(code)) {
    return 'module-import';
  }
  if (hasImports) {
    return 'file';
  }
  if (first.startsWith('// main.ts')) {
    return 'main-statements';
  }
  if (first.startsWith('WazapinWebhooksModule.')) {
    return 'module-import';
  }
  if (first.startsWith('useFactory:')) {
    return 'async-options';
  }
  if (first.startsWith('imports: [')) {
    return 'module-metadata';
  }
  if (first.startsWith('constructor(')) {
    return 'service';
  }
  if (/^export class |^class /m.test(code)) {
    return 'providers';
  }
  if (first.startsWith('@')) {
    return 'members';
  }
  return 'script';
}

/** Names a fragment may use without importing them, as the README's snippets do, and where they come from. */
function importableNames(): Map<string, string> {
  const names = new Map<string, string>([
    ['Injectable', '@nestjs/common'],
    ['Module', '@nestjs/common'],
    ['Inject', '@nestjs/common'],
    ['ConfigModule', '@nestjs/config'],
    ['ConfigService', '@nestjs/config'],
    ['NestFactory', '@nestjs/core'],
    ['OnEvent', '@nestjs/event-emitter'],
    ['EventEmitterModule', '@nestjs/event-emitter'],
    ['BullModule', '@nestjs/bullmq'],
  ]);
  const program = ts.createProgram([join(ROOT, 'lib', 'index.ts'), join(ROOT, 'lib', 'testing', 'index.ts')], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext });
  const checker = program.getTypeChecker();
  for (const [file, specifier] of [
    ['index.ts', 'nestjs-wazapin-webhooks'],
    [join('testing', 'index.ts'), 'nestjs-wazapin-webhooks/testing'],
  ]) {
    const source = program.getSourceFile(join(ROOT, 'lib', file));
    const symbol = source && checker.getSymbolAtLocation(source);
    for (const exported of symbol ? checker.getExportsOfModule(symbol) : []) {
      const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      if (!names.has(exported.name)) {
        names.set(exported.name, target.flags & ts.SymbolFlags.Value ? specifier : `type:${specifier}`);
      }
    }
  }
  return names;
}

/** The package's specifiers as seen from a generated file: this repo's sources. */
function rewriteImports(code: string, fromFile: string): string {
  const lib = (path: string) => {
    const target = relative(dirname(fromFile), join(ROOT, 'lib', path)).split('\\').join('/');
    return target.startsWith('.') ? target : `./${target}`;
  };
  return code
    .replaceAll("'nestjs-wazapin-webhooks/testing'", `'${lib('testing/index.js')}'`)
    .replaceAll("'nestjs-wazapin-webhooks'", `'${lib('index.js')}'`)
    .replaceAll("'@sentry/node'", "'./sentry.stub.js'");
}

function identifiers(code: string): Set<string> {
  return new Set(code.match(/\b[A-Za-z_$][\w$]*\b/g) ?? []);
}

/** Import lines for the names `code` uses and does not declare. */
function prelude(code: string, names: Map<string, string>, extra: Record<string, string> = {}): string {
  const used = identifiers(code);
  const declared = new Set([...code.matchAll(/\b(?:class|const|let|function)\s+([A-Za-z_$][\w$]*)/g)].map((match) => match[1]));
  const bySpecifier = new Map<string, string[]>();
  for (const [name, specifier] of [...names, ...Object.entries(extra)]) {
    if (used.has(name) && !declared.has(name)) {
      bySpecifier.set(specifier, [...(bySpecifier.get(specifier) ?? []), name]);
    }
  }
  return [...bySpecifier]
    .map(([specifier, list]) => {
      const typeOnly = specifier.startsWith('type:');
      const names = [...new Set(list)].map((name) => (typeOnly ? `type ${name}` : name));
      return `import { ${names.join(', ')} } from '${typeOnly ? specifier.slice('type:'.length) : specifier}';`;
    })
    .join('\n');
}

/** The event types a block's handlers name; `'*'` counts as one delivery of any type. */
function handledTypes(code: string): string[] {
  const types = new Set<string>();
  for (const [, args] of code.matchAll(/@OnWazapinEvent\(([^)]*)\)/g)) {
    for (const [, type] of args.matchAll(/'([^']+)'/g)) {
      types.add(type === '*' ? 'contact.updated' : type);
    }
  }
  return [...types];
}

const RUNTIME = "import { AlwaysFailingHandler, prepareEnvironment, recorded, serve } from '../../test/readme/example-runtime.js';";
const INSTALL = "import { AppModule } from './install/app.module.js';\nimport { MessagesHandler } from './install/messages.handler.js';";

interface Generated {
  block: ClassifiedBlock;
  /** The program to run, relative to {@link OUT}; none for blocks another test runs. */
  program?: string;
}

/**
 * Writes each block as a TypeScript program that boots it where the README places it, and a
 * tsconfig that type-checks them all against this repo's sources.
 */
export function generateExamples(blocks: ClassifiedBlock[]): Generated[] {
  rmSync(EXAMPLES_DIR, { recursive: true, force: true });
  mkdirSync(join(SRC, 'install'), { recursive: true });
  const names = importableNames();
  const write = (file: string, code: string) => {
    const path = join(SRC, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, rewriteImports(code, path));
  };
  write(
    'sentry.stub.ts',
    `import { recorded } from '../../test/readme/example-runtime.js';\nexport function captureException(...args: unknown[]): void {\n  recorded.push(['Sentry.captureException', ...args]);\n}\n`,
  );
  writeFileSync(
    join(EXAMPLES_DIR, 'tsconfig.json'),
    JSON.stringify({
      extends: '../tsconfig.json',
      compilerOptions: { rootDir: '..', outDir: 'out', declaration: false, sourceMap: false, types: ['node'] },
      include: ['src/**/*.ts'],
    }),
  );

  return blocks.map((block): Generated => {
    const { code, index, kind } = block;
    const file = `block-${index}.ts`;
    const header = `// README.md block ${index} (line ${block.line}), ${kind}\n`;
    const run = (program: string) => {
      write(file, `${header}${program}\n`);
      return { block, program: file.replace(/\.ts$/, '.js') };
    };
    const withPrelude = (program: string, extra?: Record<string, string>) => `${prelude(program, names, extra)}\n${RUNTIME}\n${program}`;
    const classNames = [...code.matchAll(/class (\w+)/g)].map((match) => match[1]);
    const deliveries = JSON.stringify(handledTypes(code).map((type) => ({ type })));
    switch (kind) {
      case 'test':
        return { block };
      case 'install':
        for (const part of code.split(/^(?=\/\/ [\w.-]+\.ts)/m)) {
          write(join('install', part.match(FILE_HEADER)![1]), part);
        }
        return { block };
      case 'file': {
        write(`block-${index}.module.ts`, code);
        const reportsFailures = /HandlerFailed/.test(code);
        const modules = [...code.matchAll(/@Module\([\s\S]*?\)\s*export class (\w+)/g)].map((match) => match[1]);
        if (modules.length > 0) {
          // A block with a module of its own is the app (its last module, importing the others):
          // booted as it is, delivered to on the default route unless its registrations serve
          // tenants (their routes need a tenant's secret).
          return run(
            withPrelude(
              `import { ${classNames.join(', ')} } from './block-${index}.module.js';\nawait prepareEnvironment();\n` +
                `await serve(${modules.at(-1)}, ${/tenants:/.test(code) ? '[]' : deliveries});\nprocess.exit(0);`,
            ),
          );
        }
        return run(
          withPrelude(
            `import { ${classNames.join(', ')} } from './block-${index}.module.js';\n${INSTALL}\nawait prepareEnvironment();\n` +
              `@Module({ imports: [AppModule, EventEmitterModule.forRoot()], providers: [${[...classNames, ...(reportsFailures ? ['AlwaysFailingHandler'] : [])].join(', ')}] })\n` +
              `class ReadmeExampleModule {}\n` +
              `await serve(ReadmeExampleModule, ${reportsFailures ? "[{ type: 'conversation.updated' }]" : deliveries});\n` +
              (/sentry/.test(code) ? "if (!recorded.some((call) => call[0] === 'Sentry.captureException')) throw new Error('nothing reached Sentry');\n" : '') +
              'process.exit(0);',
          ),
        );
      }
      case 'providers':
      case 'members': {
        const declarations = kind === 'members' ? `@Injectable()\nclass ReadmeExample {\n${code}\n}` : code;
        const providers = kind === 'members' ? ['ReadmeExample'] : classNames;
        return run(
          withPrelude(
            `${INSTALL}\nawait prepareEnvironment();\n${declarations}\n` +
              `@Module({ imports: [AppModule, EventEmitterModule.forRoot()], providers: [${providers.join(', ')}] })\n` +
              `class ReadmeExampleModule {}\nawait serve(ReadmeExampleModule, ${deliveries});\nprocess.exit(0);`,
          ),
        );
      }
      case 'module-import':
      case 'async-options':
      case 'module-metadata': {
        // What comes before the module expression (imports, a connection) comes first in the program.
        const start = kind === 'module-import' ? code.search(/^WazapinWebhooksModule\./m) : 0;
        const preamble = code.slice(0, start);
        const imports = preamble.split('\n').filter((line) => line.startsWith('import '));
        const statements = preamble.split('\n').filter((line) => !line.startsWith('import '));
        const fragment = code.slice(start).trim().replace(/[;,]$/, '');
        const metadata =
          kind === 'module-metadata'
            ? fragment
            : `imports: [ConfigModule.forRoot({ isGlobal: true }), ${kind === 'async-options' ? `WazapinWebhooksModule.forRootAsync({ inject: [ConfigService], ${fragment} })` : fragment}]`;
        return run(
          withPrelude(
            `${imports.join('\n')}\n${INSTALL}\nconst emulator = await prepareEnvironment();\n${statements.join('\n')}\n` +
              'const secrets = process.env.WAZAPIN_WEBHOOK_SECRET!;\n' +
              "const secretsManager = { put: (name: string, value?: string): void => void recorded.push(['secretsManager.put', name, value]) };\n" +
              `@Module({ ${metadata}, providers: [MessagesHandler] })\nclass ReadmeExampleModule {}\n` +
              "await serve(ReadmeExampleModule, [{ type: 'message.new' }]);\nawait emulator.close();\nprocess.exit(0);",
            { WazapinWebhooksModule: 'nestjs-wazapin-webhooks', ConfigModule: '@nestjs/config', ConfigService: '@nestjs/config', Module: '@nestjs/common' },
          ),
        );
      }
      case 'service': {
        const [constructorLine, ...statements] = code.split('\n');
        return run(
          withPrelude(
            'const emulator = await prepareEnvironment();\nconst yesterday = new Date(Date.now() - 24 * 3600 * 1000);\n' +
              `@Injectable()\nclass ReadmeExample {\n  ${constructorLine}\n  async run() {\n${statements.join('\n')}\n  }\n}\n` +
              '@Module({ imports: [WazapinWebhooksModule.forRoot({ secrets: process.env.WAZAPIN_WEBHOOK_SECRET!, api: wazapinApiOptionsFromEnv() })], providers: [ReadmeExample] })\n' +
              'class ReadmeExampleModule {}\n' +
              'const app = await NestFactory.createApplicationContext(ReadmeExampleModule, { logger: ["error", "warn"] });\n' +
              'await app.get(ReadmeExample).run();\nawait app.close();\nawait emulator.close();\nprocess.exit(0);',
            { Module: '@nestjs/common', Injectable: '@nestjs/common', NestFactory: '@nestjs/core', wazapinApiOptionsFromEnv: 'nestjs-wazapin-webhooks' },
          ),
        );
      }
      case 'main-statements':
        return run(
          withPrelude(
            `${INSTALL}\nawait prepareEnvironment();\nconst app = await NestFactory.create(AppModule, { rawBody: true, logger: ['error', 'warn'] });\n` +
              `${code}\nawait app.init();\nawait app.close();\nprocess.exit(0);`,
            { NestFactory: '@nestjs/core' },
          ),
        );
      case 'script':
        return run(withPrelude(`await prepareEnvironment();\n${code}\nprocess.exit(0);`));
    }
  });
}
