import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import ajvFormats from 'ajv-formats';
import { expect } from 'vitest';
import { ROOT } from './cli.js';

const ajv = new Ajv({ allErrors: true, strict: false });
// The schemas' `format` keywords (date-time, uuid, …) are checked, not ignored.
ajvFormats.default(ajv);

/** Asserts that a command's `--json` output matches its committed schema in schemas/json/. */
export function expectMatchesSchema(name: string, value: unknown): void {
  const schema = JSON.parse(readFileSync(`${ROOT}schemas/json/${name}.schema.json`, 'utf8'));
  const validate = ajv.getSchema(schema.$id) ?? ajv.compile(schema);
  const ok = validate(value);
  expect(ok ? [] : validate.errors).toEqual([]);
}
