import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InvalidInputError, NotFoundError } from '../../src/sdk/errors.js';
import type { NewTool } from '../../src/sdk/stores/records/tool-registry.js';
import type { RecordsContext } from './records.contract.js';
import { BAD_IDS } from './records.harness.js';

const toolName = () => `tool.t${randomBytes(4).toString('hex')}`;
const SCHEMA = { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] } as const;
const tool = (name: string, extra: Partial<NewTool> = {}): NewTool => ({
  name,
  version: '1.0.0',
  inputSchema: SCHEMA,
  publisher: 'acme',
  ...extra,
});

/** ToolRegistry part of the records contract. */
export function toolsContract(ctx: () => RecordsContext): void {
  describe('ToolRegistry', () => {
    it('creates a tool version and reads it back', async () => {
      const { tools } = ctx().records;
      const name = toolName();
      const created = await tools.create(tool(name, { description: 'Searches the web.' }));
      expect(created).toMatchObject({
        name,
        version: '1.0.0',
        description: 'Searches the web.',
        inputSchema: SCHEMA,
        publisher: 'acme',
        enabled: true,
      });
      expect(created.createdAt).toBeInstanceOf(Date);
      expect(await tools.get(name, '1.0.0')).toEqual(created);
      expect(await tools.get(name, '9.9.9')).toBeUndefined();
    });

    it('updates description, schema, publisher and enabled; a missing version is NotFoundError', async () => {
      const { tools } = ctx().records;
      const name = toolName();
      const created = await tools.create(tool(name));
      const schema = { type: 'object', properties: { q: { type: 'string' }, n: { type: 'integer' } } };
      const updated = await tools.update(name, '1.0.0', {
        description: 'v2 docs',
        inputSchema: schema,
        publisher: 'acme-labs',
      });
      expect(updated).toMatchObject({
        description: 'v2 docs',
        inputSchema: schema,
        publisher: 'acme-labs',
        enabled: true,
      });
      expect(updated.createdAt).toEqual(created.createdAt);
      expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(created.updatedAt.getTime());
      expect(await tools.update(name, '1.0.0', {})).toEqual(updated);
      await expect(tools.update(name, '2.0.0', { description: 'x' })).rejects.toBeInstanceOf(NotFoundError);
      await expect(tools.update(name, '2.0.0', {})).rejects.toBeInstanceOf(NotFoundError);
      await expect(tools.update(name, '1.0.0', { inputSchema: { type: 'array' } })).rejects.toBeInstanceOf(
        InvalidInputError,
      );
    });

    it('lists with filters, versions in semver order', async () => {
      const { tools } = ctx().records;
      const name = toolName();
      const other = toolName();
      for (const version of ['1.10.0', '2.0.0', '1.2.0', '2.0.0-rc.1', '0.9.1']) {
        await tools.create(tool(name, { version, publisher: 'p-one' }));
      }
      await tools.create(tool(other, { publisher: 'p-two', enabled: false }));
      expect((await tools.list({ name })).map((t) => t.version)).toEqual([
        '0.9.1',
        '1.2.0',
        '1.10.0',
        '2.0.0-rc.1',
        '2.0.0',
      ]);
      expect((await tools.list({ publisher: 'p-two' })).map((t) => t.name)).toEqual([other]);
      expect(await tools.list({ name: other, enabled: true })).toEqual([]);
      expect((await tools.list({ name, limit: 2 })).map((t) => t.version)).toEqual(['0.9.1', '1.2.0']);
      const everything = await tools.list({ limit: 1000 });
      expect(everything.filter((t) => t.name === name || t.name === other)).toHaveLength(6);
    });

    it('disables a version: still listed, no longer enabled', async () => {
      const { tools } = ctx().records;
      const name = toolName();
      await tools.create(tool(name));
      await tools.create(tool(name, { version: '1.1.0' }));
      const disabled = await tools.disable(name, '1.0.0');
      expect(disabled.enabled).toBe(false);
      expect((await tools.list({ name, enabled: true })).map((t) => t.version)).toEqual(['1.1.0']);
      expect((await tools.list({ name, enabled: false })).map((t) => t.version)).toEqual(['1.0.0']);
      expect((await tools.update(name, '1.0.0', { enabled: true })).enabled).toBe(true);
      await expect(tools.disable(name, '3.0.0')).rejects.toBeInstanceOf(NotFoundError);
    });

    it('rejects a duplicate (name, version) clearly', async () => {
      const { tools } = ctx().records;
      const name = toolName();
      await tools.create(tool(name));
      const error = await tools.create(tool(name, { description: 'again' })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as Error).message).toBe(`tool ${name}@1.0.0 is already registered`);
      expect((await tools.get(name, '1.0.0'))?.description).toBe('');
      await expect(tools.create(tool(name, { version: '1.0.1' }))).resolves.toMatchObject({
        version: '1.0.1',
      });
    });

    it.each([
      ['Web'],
      ['1abc'],
      ['a..b'],
      ['a.'],
      [''],
      ['web search'],
      ['a'.repeat(65)],
      ['we/b'],
      ['web%'],
      [7],
    ])('rejects the tool name %j', async (name) => {
      const error = await ctx()
        .records.tools.create(tool(name as string))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as Error).message).toMatch(/tool name .* is invalid/);
    });

    it.each([
      ['1.0'],
      ['01.0.0'],
      ['1.0.0+build.5'],
      ['v1.0.0'],
      [''],
      ['1.0.0-'],
      ['1.0.0-01'],
      ['99999999999.0.0'],
    ])('rejects the version %j', async (version) => {
      const error = await ctx()
        .records.tools.create(tool(toolName(), { version }))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as Error).message).toMatch(/is not a semantic version/);
    });

    it.each([
      ['a string schema', { type: 'string' }],
      ['an array', []],
      ['null', null],
      ['no type', { properties: {} }],
      ['properties as a list', { type: 'object', properties: [] }],
      ['a property that is not a schema', { type: 'object', properties: { q: 'string' } }],
      ['required as a string', { type: 'object', required: 'q' }],
      ['required twice', { type: 'object', required: ['q', 'q'] }],
      ['additionalProperties as text', { type: 'object', additionalProperties: 'no' }],
      ['a huge schema', { type: 'object', description: 'x'.repeat(70_000) }],
      ['a property of an unknown type', { type: 'object', properties: { q: { type: 'strng' } } }],
    ])('rejects an input schema with %s', async (_, inputSchema) => {
      const error = await ctx()
        .records.tools.create(tool(toolName(), { inputSchema: inputSchema as never }))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as Error).message).toMatch(/^tool input schema /);
    });

    it('rejects malformed publishers and filters', async () => {
      const { tools } = ctx().records;
      for (const bad of BAD_IDS) {
        await expect(tools.create(tool(toolName(), { publisher: bad as string }))).rejects.toBeInstanceOf(
          InvalidInputError,
        );
        await expect(tools.list({ publisher: bad as string })).rejects.toBeInstanceOf(InvalidInputError);
      }
      await expect(tools.list({ limit: 0 })).rejects.toBeInstanceOf(InvalidInputError);
      await expect(tools.create(tool(toolName(), { enabled: 'yes' as never }))).rejects.toBeInstanceOf(
        InvalidInputError,
      );
    });
  });
}
