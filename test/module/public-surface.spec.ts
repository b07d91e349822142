import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import * as main from '../../lib/index.js';
import * as testing from '../../lib/testing/index.js';
import { ROOT } from '../support/compiled.js';

/**
 * The package's public surface, pinned: what each entry exports at runtime and as types only.
 * A name added here must be documented in README.md and tagged `@publicApi` where it is
 * declared; a name the README does not document belongs in an internal module.
 */
const ENTRIES = [
  {
    entry: 'lib/index.ts',
    module: main as object,
    values: [
      'CreateWazapinEndpointDto',
      'InMemoryIdempotencyStore',
      'InjectWazapinApi',
      'InjectWazapinDeadLetters',
      'ListWazapinDeliveriesQueryDto',
      'OnWazapinEvent',
      'RedisIdempotencyStore',
      'RetryWazapinDeliveryDto',
      'SendWazapinTestDeliveryDto',
      'SyncWazapinEndpointDto',
      'UpdateWazapinEndpointDto',
      'WAZAPIN_DEFAULT_ACCOUNT',
      'WAZAPIN_EVENT_TYPES',
      'WAZAPIN_PAYLOAD_DTOS',
      'WazapinApiError',
      'WazapinConfigurationError',
      'WazapinContactUpdatedPayloadDto',
      'WazapinConversationUpdatedPayloadDto',
      'WazapinDeadLetters',
      'WazapinHandlerTimeoutError',
      'WazapinHealthIndicator',
      'WazapinMessageNewPayloadDto',
      'WazapinMessageSentPayloadDto',
      'WazapinMessageStatusUpdatePayloadDto',
      'WazapinTemplateStatusUpdatePayloadDto',
      'WazapinValidationError',
      'WazapinWebhookEvents',
      'WazapinWebhooksApiService',
      'WazapinWebhooksModule',
      'getWazapinApiToken',
      'getWazapinDeadLettersToken',
      'validateWazapinPayload',
      'wazapinApiOptionsFromEnv',
    ],
    types: [
      'IdempotencyClaim',
      'IdempotencyStore',
      'InMemoryIdempotencyStoreOptions',
      'RedisIdempotencyStoreOptions',
      'StatusClaim',
      'WazapinApiAccount',
      'WazapinApiErrorDetails',
      'WazapinApiOptions',
      'WazapinAutoRegisterOptions',
      'WazapinContactUpdatedPayload',
      'WazapinConversationUpdatedPayload',
      'WazapinDeadLetter',
      'WazapinDeadLetterList',
      'WazapinDeadLetterListOptions',
      'WazapinDeadLetterOptions',
      'WazapinDeadLetterReplay',
      'WazapinDeadLetterReplayAll',
      'WazapinDeadLetterReplayOutcome',
      'WazapinDelivery',
      'WazapinDeliveryOutcome',
      'WazapinDeliveryRetry',
      'WazapinDeliveryStatus',
      'WazapinDeliveryTrigger',
      'WazapinDispatchMode',
      'WazapinEndpoint',
      'WazapinEndpointSyncResult',
      'WazapinEnvSource',
      'WazapinEvent',
      'WazapinEventPayload',
      'WazapinEventPayloadMap',
      'WazapinEventType',
      'WazapinEventTypeSource',
      'WazapinHandledEvent',
      'WazapinHandlerDecorator',
      'WazapinHandlerFailure',
      'WazapinHandlerOptions',
      'WazapinHandlerRetryOptions',
      'WazapinHealthCheckOptions',
      'WazapinHealthIndicatorResult',
      'WazapinHealthStatus',
      'WazapinIdempotencyOptions',
      'WazapinKeepJobs',
      'WazapinKnownEventType',
      'WazapinMessage',
      'WazapinMessageEventMethods',
      'WazapinMessageNewPayload',
      'WazapinMessageSentPayload',
      'WazapinMessageStatus',
      'WazapinMessageStatusUpdatePayload',
      'WazapinPage',
      'WazapinPayloadInvalid',
      'WazapinPayloadViolation',
      'WazapinQueueBackoff',
      'WazapinQueueJobFailure',
      'WazapinQueueOptions',
      'WazapinQueueWorkerOptions',
      'WazapinQueuedDelivery',
      'WazapinRecoveryOptions',
      'WazapinRecoveryProgress',
      'WazapinRecoveryResult',
      'WazapinRedisClient',
      'WazapinRedisConnection',
      'WazapinRegistrationHealth',
      'WazapinRejection',
      'WazapinRouteVersion',
      'WazapinStaleStatus',
      'WazapinStartupRecoveryOptions',
      'WazapinStatusEventFields',
      'WazapinStatusOrder',
      'WazapinTemplateStatusUpdatePayload',
      'WazapinTenantSecretsResolver',
      'WazapinTenantsOptions',
      'WazapinTestDelivery',
      'WazapinWebhookReceipt',
      'WazapinWebhookSettings',
      'WazapinWebhooksModuleExtras',
      'WazapinWebhooksModuleOptions',
      'WazapinWebhooksOptionsFactory',
    ],
  },
  {
    entry: 'lib/testing/index.ts',
    module: testing as object,
    values: [
      'WazapinEmulator',
      'WazapinTestingApp',
      'createWazapinTestingModule',
      'deliverWazapinEvent',
      'generateWazapinSecret',
      'sampleWazapinPayload',
      'signWazapinDelivery',
    ],
    types: [
      'DeliverWazapinEventInput',
      'SignWazapinDeliveryInput',
      'SignedWazapinDelivery',
      'WazapinDeliveryOptions',
      'WazapinDeliveryResult',
      'WazapinDeliveryShape',
      'WazapinEmulatorDeliveryFilter',
      'WazapinEmulatorEndpoint',
      'WazapinEmulatorFault',
      'WazapinEmulatorOptions',
      'WazapinEmulatorPagination',
      'WazapinEmulatorRequest',
      'WazapinPayloadOverrides',
      'WazapinProviderOverride',
      'WazapinPublishOptions',
      'WazapinPublishResult',
      'WazapinRequestFailure',
      'WazapinTestDeliveryOptions',
      'WazapinTestingModuleOptions',
    ],
  },
];

const sorted = (names: Iterable<string>) => [...names].sort();
const path = (file: string) => relative(ROOT, file).split('\\').join('/');

/** The node a declaration's TSDoc is attached to: a variable's statement, else the declaration. */
function documented(declaration: ts.Declaration): ts.Node {
  return ts.isVariableDeclaration(declaration) ? declaration.parent.parent : declaration;
}

/** The declaration's closest TSDoc comment. */
function tsdoc(declaration: ts.Declaration): ts.JSDoc | undefined {
  return ts.getJSDocCommentsAndTags(documented(declaration)).filter(ts.isJSDoc).at(-1);
}

function hasPublicApiTag(doc: ts.JSDoc | undefined): boolean {
  return doc?.tags?.some((tag) => tag.tagName.text === 'publicApi') ?? false;
}

/** The declarations that carry an export's TSDoc: all of them, except the body of an overloaded function. */
function documentedDeclarations(symbol: ts.Symbol): ts.Declaration[] {
  const declarations = symbol.declarations ?? [];
  return declarations.filter((d) => !(declarations.length > 1 && ts.isFunctionDeclaration(d) && d.body !== undefined));
}

function libFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = join(dir, entry.name);
    return entry.isDirectory() ? libFiles(file) : /\.c?ts$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [file] : [];
  });
}

describe('the public surface', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  let program: ts.Program;
  let checker: ts.TypeChecker;
  /** Every export of each entry, by name, resolved to the symbol that declares it. */
  const exported = new Map<string, Map<string, ts.Symbol>>();

  beforeAll(() => {
    // Every file of lib/ is a root, so the @publicApi tags of files the entries do not reach are seen too.
    program = ts.createProgram(
      [...ENTRIES.map(({ entry }) => join(ROOT, entry)), ...libFiles(join(ROOT, 'lib'))],
      { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, noEmit: true },
    );
    checker = program.getTypeChecker();
    for (const { entry } of ENTRIES) {
      const source = program.getSourceFile(join(ROOT, entry))!;
      const names = new Map<string, ts.Symbol>();
      for (const symbol of checker.getExportsOfModule(checker.getSymbolAtLocation(source)!)) {
        names.set(symbol.name, symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol);
      }
      exported.set(entry, names);
    }
  }, 60_000);

  describe.each(ENTRIES)('$entry', ({ entry, module, values, types }) => {
    it('exports exactly the listed runtime names', () => {
      expect(sorted(Object.keys(module))).toEqual(sorted(values));
    });

    it('exports exactly the listed names, types included', () => {
      expect(sorted(exported.get(entry)!.keys())).toEqual(sorted([...values, ...types]));
    });

    it('lists its exports one by one, no `export *`', () => {
      const source = program.getSourceFile(join(ROOT, entry))!;
      const star = source.statements.filter((s) => ts.isExportDeclaration(s) && (!s.exportClause || ts.isNamespaceExport(s.exportClause)));
      expect(star.map((s) => s.getText())).toEqual([]);
    });

    it('exports only names README.md documents', () => {
      const undocumented = [...exported.get(entry)!.keys()].filter((name) => !new RegExp(`\\b${name}\\b`).test(readme));
      expect(undocumented).toEqual([]);
    });

    it('exports only declarations with TSDoc tagged @publicApi', () => {
      const missing: string[] = [];
      for (const [name, symbol] of exported.get(entry)!) {
        for (const declaration of documentedDeclarations(symbol)) {
          const file = path(declaration.getSourceFile().fileName);
          const doc = tsdoc(declaration);
          if (!hasPublicApiTag(doc) || !ts.getTextOfJSDocComment(doc!.comment)?.trim()) {
            missing.push(`${name} (${file})`);
          }
        }
      }
      expect(missing).toEqual([]);
    });
  });

  it('tags nothing @publicApi that neither entry exports', () => {
    const surfaceDocs = [...exported.values()]
      .flatMap((names) => [...names.values()])
      .flatMap(documentedDeclarations)
      .flatMap((declaration) => {
        const doc = tsdoc(declaration);
        return doc ? [{ file: declaration.getSourceFile().fileName, start: doc.getStart(), end: doc.end }] : [];
      });
    const strays: string[] = [];
    for (const file of libFiles(join(ROOT, 'lib'))) {
      const source = program.getSourceFile(file)!;
      // Tags are read where TSDoc holds them, in `/** */` comments, wherever those stand.
      for (const comment of source.text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
        const tagged = /@publicApi\b/.test(comment[0]);
        if (tagged && !surfaceDocs.some((doc) => doc.file === source.fileName && doc.start === comment.index)) {
          strays.push(`${path(file)}:${source.getLineAndCharacterOfPosition(comment.index).line + 1}`);
        }
      }
    }
    expect(strays).toEqual([]);
  });
});
