import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../support/compiled.js';

/** The example as a user writes it: imports from the package instead of this repo's sources. */
function asPublished(file: string): string {
  return readFileSync(join(ROOT, 'test', 'testing', 'readme', file), 'utf8')
    .replaceAll("'../../../lib/testing/index.js'", "'nestjs-wazapin-webhooks/testing'")
    .replaceAll("'../../../lib/index.js'", "'nestjs-wazapin-webhooks'");
}

describe("the README's example handler test", () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

  it.each(['messages.handler.ts', 'messages.handler.spec.ts'])('shows %s exactly as the test in test/testing/readme runs it', (file) => {
    expect(readme).toContain(`\`\`\`ts\n// ${file}\n${asPublished(file)}\`\`\``);
  });
});
