import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KAFKA_SCHEMAS_DIR, listSchemaFiles } from '../../src/sdk/events/schemas/schema-files.js';
import { lintSchema } from '../../src/sdk/governance/schemas/schema-lint.js';

describe('schema lint', () => {
  it.each(listSchemaFiles(KAFKA_SCHEMAS_DIR).map((f) => [f.name, f.file]))(
    '%s (shipped) is clean',
    (_, file) => {
      expect(lintSchema(JSON.parse(readFileSync(file, 'utf8')))).toEqual([]);
    },
  );

  it('reports every problem with its path and rule', () => {
    const schema = {
      type: 'record',
      name: 'bad_event',
      fields: [
        { name: 'Id', type: 'string', doc: 'id' },
        { name: 'note', type: ['string', 'null'], doc: 'null last' },
        { name: 'maybe', type: ['null', 'string'], doc: 'no default' },
        { name: 'wrongDefault', type: ['null', 'string'], default: null },
        {
          name: 'state',
          doc: 'an enum',
          type: { type: 'enum', name: 'state', symbols: ['on', 'OFF', 'HALF_OPEN'] },
        },
        {
          name: 'inner',
          doc: 'nested',
          type: {
            type: 'record',
            name: 'Inner',
            fields: [{ name: 'list', doc: 'x', type: { type: 'array', items: ['int', 'null'] } }],
          },
        },
      ],
    };
    expect(lintSchema(schema).map((f) => `${f.rule} ${f.path}`)).toEqual([
      'namespace-missing bad_event',
      'name-not-pascal-case bad_event',
      'doc-missing bad_event',
      'field-not-camel-case bad_event.Id',
      'null-not-first bad_event.note',
      'optional-default-missing bad_event.maybe',
      'doc-missing bad_event.wrongDefault',
      'name-not-pascal-case bad_event.state',
      'enum-symbol-not-upper-snake bad_event.state',
      'doc-missing bad_event.inner',
      'null-not-first bad_event.inner.list[]',
    ]);
  });

  it('accepts a namespace given in the full name, and maps', () => {
    const schema = {
      type: 'record',
      name: 'dev.x.Good',
      doc: 'd',
      fields: [{ name: 'm', doc: 'd', type: { type: 'map', values: ['null', 'string'] } }],
    };
    expect(lintSchema(schema)).toEqual([]);
  });

  it('explains what to do', () => {
    const [finding] = lintSchema({
      type: 'record',
      name: 'A',
      namespace: 'n',
      doc: 'd',
      fields: [{ name: 'x', doc: 'd', type: ['null', 'int'] }],
    });
    expect(finding?.message).toContain('"default": null');
  });
});
