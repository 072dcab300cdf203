/**
 * `npm run events:schemas`: writes the JSON Schema of every event contract (core/events/contracts.ts) to
 * docs/events/schemas/<type>.v<version>.json, the published contracts that core/events/contracts.test.ts holds the
 * code to. A new contract or an additive change (an optional field) is written; a breaking change to a published
 * version is refused with the reasons, because it needs a new version (docs/events.md).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ASYNCAPI_INFO, asyncApiDocument } from '../core/events/asyncapi';
import { breakingChanges } from '../core/events/compatibility';
import { contractJsonSchema, EVENT_CONTRACTS, schemaFileName } from '../core/events/contracts';
import type { JsonSchema } from '../core/events/contracts';

export const SCHEMAS_DIR = join(__dirname, '..', 'docs', 'events', 'schemas');
/** The AsyncAPI document as GET /asyncapi.json serves it, committed for readers of the repository. */
export const ASYNCAPI_FILE = join(__dirname, '..', 'docs', 'events', 'asyncapi.json');

const serialise = (schema: JsonSchema): string => `${JSON.stringify(schema, null, 2)}\n`;

const main = (): number => {
  mkdirSync(SCHEMAS_DIR, { recursive: true });
  let refused = 0;
  for (const contract of EVENT_CONTRACTS) {
    const file = join(SCHEMAS_DIR, schemaFileName(contract));
    const current = contractJsonSchema(contract);
    const label = `${contract.type} v${contract.version}`.padEnd(36);
    if (!existsSync(file)) {
      writeFileSync(file, serialise(current));
      console.log(`${label} new       ${schemaFileName(contract)}`);
      continue;
    }
    const published = JSON.parse(readFileSync(file, 'utf8')) as JsonSchema;
    const breaking = breakingChanges(published, current);
    if (breaking.length > 0) {
      refused += 1;
      console.log(`${label} REFUSED   breaking change to a published version:`);
      for (const change of breaking) console.log(`    - ${change}`);
      continue;
    }
    const text = serialise(current);
    if (text === readFileSync(file, 'utf8')) console.log(`${label} unchanged`);
    else {
      writeFileSync(file, text);
      console.log(`${label} updated   (additive)`);
    }
  }
  if (refused === 0) {
    const text = serialise(asyncApiDocument(ASYNCAPI_INFO));
    const before = existsSync(ASYNCAPI_FILE) ? readFileSync(ASYNCAPI_FILE, 'utf8') : '';
    if (text !== before) writeFileSync(ASYNCAPI_FILE, text);
    console.log(`${'asyncapi.json'.padEnd(36)} ${text === before ? 'unchanged' : 'written'}`);
  }
  if (refused > 0)
    console.log(
      `\n${refused} contract(s) changed incompatibly. Publish the new shape as a new version (bump its version, keep the old one published during the migration); see docs/events.md.`,
    );
  return refused > 0 ? 1 : 0;
};

if (require.main === module) process.exitCode = main();
