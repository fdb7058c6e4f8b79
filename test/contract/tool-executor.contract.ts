import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createToolExecutor,
  registerBuiltinTools,
  type ToolCallRequest,
  type ToolExecutionRecord,
  type ToolExecutor,
  type ToolResult,
  toolExecutionEvents,
} from '../../src/sdk/agent/tools/tool-executor.js';
import { createEventCodec } from '../../src/sdk/events/codec/event-codec.js';
import { createOutboxWriter } from '../../src/sdk/events/outbox/outbox-writer.js';
import { createRedactor } from '../../src/sdk/events/redaction/redactor.js';
import { loadSchemaCatalog } from '../../src/sdk/events/schemas/schema-catalog.js';
import { type ObjectStore, subjectKey, subjectPrefix } from '../../src/sdk/stores/objects/object-store.js';
import type { Records } from '../../src/sdk/stores/records/records.js';
import { createRecords } from '../../src/sdk/stores/records/sql-records.js';
import { migrate } from '../../src/sdk/stores/sql/migrate.js';
import { pgSqlClient } from '../../src/sdk/stores/sql/pg-sql-client.js';
import { openPgliteSqlClient } from '../../src/sdk/stores/sql/pglite-sql-client.js';
import { PARAMS } from './records.harness.js';

/** How the tool executor contract gets an ObjectStore of one adapter. */
export interface ToolObjectsHarness {
  /** A fresh, empty store for the suite. */
  make(): Promise<ObjectStore>;
  /** Removes what the store holds and closes it. */
  destroy(store: ObjectStore): Promise<void>;
  /** A store that fails every write (engine down, or a root that is not a directory). */
  broken(): ObjectStore;
  /** The error code a write to {@link broken} fails with. */
  readonly brokenCode: RegExp;
  /** The URI an artifact at `key` of `store` is published under. */
  uriOf(store: ObjectStore, key: string): string;
}

const KiB = 1024;
const MiB = 1024 * KiB;

let calls = 0;
function call(name: string, input: unknown, overrides: Partial<ToolCallRequest> = {}): ToolCallRequest {
  calls++;
  return {
    tenant: 'acme',
    subject: 'alice',
    conversationId: 'conv-1',
    callId: `call-${calls}`,
    name,
    input,
    ...overrides,
  };
}

function expectError(result: ToolResult, status: ToolResult['status'], code: string): string {
  expect(result, JSON.stringify(result).slice(0, 600)).toMatchObject({ status, error: { code } });
  return result.error?.message ?? '';
}

/**
 * The ToolExecutor against the embedded registry (PGlite) and one ObjectStore adapter: registry lookups,
 * refusals, sandboxed JavaScript, artifacts under the person's prefix, and the tool.execution events.
 */
export function toolExecutorContract(name: string, harness: ToolObjectsHarness): void {
  describe(`ToolExecutor (registry on PGlite, artifacts on ${name})`, () => {
    let records: Records;
    let objects: ObjectStore;
    let executor: ToolExecutor;

    beforeAll(async () => {
      const client = await openPgliteSqlClient();
      await migrate(client, PARAMS);
      records = createRecords(client);
      objects = await harness.make();
      await registerBuiltinTools(records);
      executor = createToolExecutor({
        records,
        objects,
        limits: { timeoutMs: 1000, memoryBytes: 8 * MiB, outputBytes: 256 * KiB },
        artifactThresholdBytes: 4 * KiB,
        warm: true,
      });
    });
    afterAll(async () => {
      await executor?.close();
      await records?.close();
      if (objects) await harness.destroy(objects);
    });

    it('registers the built-in tools once, however often and concurrently it is asked', async () => {
      await Promise.all([registerBuiltinTools(records), registerBuiltinTools(records)]);
      const registered = await records.tools.list({ publisher: 'somaagent' });
      expect(registered.map((tool) => `${tool.name}@${tool.version}:${tool.enabled}`)).toEqual([
        'run_javascript@1.0.0:true',
        'save_artifact@1.0.0:true',
      ]);
      await records.tools.disable('save_artifact', '1.0.0');
      await registerBuiltinTools(records); // an operator's choice stays
      expect((await records.tools.get('save_artifact', '1.0.0'))?.enabled).toBe(false);
      await records.tools.update('save_artifact', '1.0.0', { enabled: true });
    });

    it('lists the enabled tools it implements, one version each, with their registered schemas', async () => {
      await records.tools.create({
        name: 'web.search',
        version: '1.0.0',
        inputSchema: { type: 'object' },
        publisher: 'someone-else',
      });
      const specs = await executor.list('acme');
      expect(specs.map((spec) => `${spec.name}@${spec.version}`)).toEqual([
        'run_javascript@1.0.0',
        'save_artifact@1.0.0',
      ]);
      const js = specs[0];
      expect(js?.inputSchema).toMatchObject({ type: 'object', required: ['code'] });
      expect(js?.description).toMatch(/sandbox/);
      await expect(executor.list('')).rejects.toThrow(/tenant id is empty/);
    });

    it('runs JavaScript and returns its result and console output', async () => {
      const request = call('run_javascript', {
        code: 'console.log("hi"); ({ sum: [1, 2, 3].reduce((a, b) => a + b) })',
      });
      const result = await executor.execute(request);
      expect(result).toMatchObject({
        callId: request.callId,
        name: 'run_javascript',
        version: '1.0.0',
        status: 'ok',
        output: { result: { sum: 6 }, console: ['hi'] },
      });
      expect(result.error).toBeUndefined();
      expect(result.artifact).toBeUndefined();
      expect(result.endedAt.getTime()).toBeGreaterThanOrEqual(result.startedAt.getTime());
      expect(result.durationMs).toBe(result.endedAt.getTime() - result.startedAt.getTime());
    });

    it.each([
      [
        'an unknown tool',
        'nope',
        {},
        'TOOL_UNKNOWN',
        /^unknown tool nope; available tools: run_javascript, save_artifact$/,
      ],
      ['a malformed tool name', 'Bad Name!', {}, 'TOOL_UNKNOWN', /not a valid tool name/],
      [
        'a tool without an implementation here',
        'web.search',
        {},
        'TOOL_NOT_AVAILABLE',
        /no implementation in this runtime/,
      ],
      [
        'missing input',
        'run_javascript',
        {},
        'TOOL_INPUT_INVALID',
        /input must have required property 'code'/,
      ],
      [
        'input of the wrong type',
        'run_javascript',
        { code: 42 },
        'TOOL_INPUT_INVALID',
        /input\/code must be string/,
      ],
      [
        'an unknown input property',
        'run_javascript',
        { code: '1', shell: true },
        'TOOL_INPUT_INVALID',
        /input has unknown property "shell"/,
      ],
      [
        'input that is not an object',
        'run_javascript',
        'print(1)',
        'TOOL_INPUT_INVALID',
        /input must be object/,
      ],
    ])('rejects %s, saying what was wrong', async (_what, tool, input, code, message) => {
      const result = await executor.execute(call(tool, input));
      expect(expectError(result, 'rejected', code)).toMatch(message);
    });

    it('rejects a disabled tool and a malformed request', async () => {
      await records.tools.disable('save_artifact', '1.0.0');
      try {
        const disabled = await executor.execute(call('save_artifact', { name: 'a.txt', content: 'x' }));
        expect(expectError(disabled, 'rejected', 'TOOL_DISABLED')).toMatch(/tool save_artifact is disabled/);
        expect((await executor.list('acme')).map((spec) => spec.name)).toEqual(['run_javascript']);
      } finally {
        await records.tools.update('save_artifact', '1.0.0', { enabled: true });
      }
      const badTenant = await executor.execute(call('run_javascript', { code: '1' }, { tenant: '' }));
      expect(expectError(badTenant, 'rejected', 'TOOL_REQUEST_INVALID')).toMatch(/tenant id is empty/);
    });

    it.each([
      ['process', 'process.env', 'error', 'TOOL_SCRIPT_ERROR', /'process' is not defined/],
      [
        'require',
        'require("child_process").execSync("id")',
        'error',
        'TOOL_SCRIPT_ERROR',
        /'require' is not defined/,
      ],
      [
        'import()',
        'import("node:fs").then((fs) => fs.readFileSync("/etc/passwd", "utf8"))',
        'error',
        'TOOL_SCRIPT_ERROR',
        /modules cannot be loaded/,
      ],
      [
        'files',
        'import { readFileSync } from "fs"; readFileSync("/etc/passwd")',
        'error',
        'TOOL_SCRIPT_ERROR',
        /no process, require, import, fetch, timers, files or network/,
      ],
      ['network', 'fetch("http://127.0.0.1:5432")', 'error', 'TOOL_SCRIPT_ERROR', /'fetch' is not defined/],
      [
        'the host through the Function constructor',
        'Function("return process")()',
        'error',
        'TOOL_SCRIPT_ERROR',
        /'process' is not defined/,
      ],
      ['an infinite loop', 'while (true) {}', 'timeout', 'TOOL_TIMEOUT', /1000 ms time limit/],
      [
        'an infinite loop inside try/catch',
        'for (;;) { try { for (;;) {} } catch {} }',
        'timeout',
        'TOOL_TIMEOUT',
        /time limit/,
      ],
      [
        'a memory bomb',
        'let s = []; for (;;) s.push("m".repeat(65536) + s.length)',
        'error',
        'TOOL_MEMORY_LIMIT',
        /8 MiB memory limit/,
      ],
      [
        'a huge allocation',
        'new Uint8Array(1024 * 1024 * 1024)',
        'error',
        'TOOL_MEMORY_LIMIT',
        /memory limit/,
      ],
      [
        'deep recursion',
        'const f = (n) => f(n + 1) + 1; f(0)',
        'error',
        'TOOL_STACK_OVERFLOW',
        /stack limit/,
      ],
      [
        'a result over the output limit',
        '"o".repeat(300 * 1024)',
        'error',
        'TOOL_OUTPUT_LIMIT',
        /256 KiB output limit/,
      ],
    ])(
      'contains %s with a clear tool error, and keeps serving',
      async (_what, code, status, errorCode, message) => {
        const result = await executor.execute(call('run_javascript', { code }));
        expect(expectError(result, status as ToolResult['status'], errorCode)).toMatch(message);
        expect((await executor.execute(call('run_javascript', { code: '"alive"' }))).output).toEqual({
          result: 'alive',
          console: [],
        });
      },
    );

    it('keeps console lines of a failed script as diagnostics', async () => {
      const result = await executor.execute(
        call('run_javascript', { code: 'console.log("step 1"); null.boom' }),
      );
      expect(expectError(result, 'error', 'TOOL_SCRIPT_ERROR')).toMatch(/TypeError/);
      expect(result.output).toEqual({ console: ['step 1'] });
    });

    it('answers other calls while one script spins', async () => {
      // Its own executor with a long time limit: the spinning call ends only when the test cancels it.
      const patient = createToolExecutor({ records, objects, limits: { timeoutMs: 60_000 }, concurrency: 2 });
      try {
        const controller = new AbortController();
        let spinning = true;
        const spin = patient
          .execute(call('run_javascript', { code: 'while (true) {}' }), { signal: controller.signal })
          .finally(() => {
            spinning = false;
          });
        const quick = await patient.execute(call('run_javascript', { code: '6 * 7' }));
        expect(quick.output).toEqual({ result: 42, console: [] });
        expect(spinning).toBe(true);
        controller.abort();
        expect((await spin).error?.code).toBe('TOOL_CANCELLED');
      } finally {
        await patient.close();
      }
    });

    it('stores an output over the threshold as an artifact under the person, returned by reference', async () => {
      const request = call('run_javascript', {
        code: 'console.log("rows"); Array.from({ length: 500 }, (_, i) => ({ i, square: i * i }))',
      });
      const result = await executor.execute(request);
      expect(result.status).toBe('ok');
      const key = subjectKey('acme', 'alice', 'artifacts', 'conv-1', `${request.callId}.json`);
      const bytes = await objects.getBytes(key);
      const stored = JSON.parse(bytes.toString('utf8'));
      expect(stored.console).toEqual(['rows']);
      expect(stored.result).toHaveLength(500);
      expect(stored.result[499]).toEqual({ i: 499, square: 249001 });
      expect(result.artifact).toEqual({
        key,
        size: bytes.length,
        contentType: 'application/json',
        sha256: createHash('sha256').update(bytes).digest('hex'),
        uri: harness.uriOf(objects, key),
      });
      expect(result.output).toEqual({
        truncated: true,
        bytes: bytes.length,
        preview: bytes.toString('utf8').slice(0, 1024),
      });
      const listed = await objects.list(subjectPrefix('acme', 'alice'));
      expect(listed.items.map((item) => item.key)).toContain(key);
    });

    it('keeps artifacts of look-alike ids apart, each under its own subject prefix', async () => {
      const code = '"a".repeat(5000)';
      const odd = call(
        'run_javascript',
        { code },
        { subject: 'alice/..', conversationId: 'c/../d', callId: '../x' },
      );
      const result = await executor.execute(odd);
      const key = result.artifact?.key ?? '';
      expect(key.startsWith(subjectPrefix('acme', 'alice/..'))).toBe(true);
      expect(key).toBe(`${subjectPrefix('acme', 'alice/..')}artifacts/c%2F..%2Fd/..%2Fx.json`);
      const alice = await objects.list(subjectPrefix('acme', 'alice'));
      expect(alice.items.map((item) => item.key)).not.toContain(key);
    });

    it('saves a named artifact with save_artifact', async () => {
      const request = call('save_artifact', {
        name: 'report.md',
        content: '# Résumé\n',
        contentType: 'text/markdown',
      });
      const result = await executor.execute(request);
      const key = subjectKey('acme', 'alice', 'artifacts', 'conv-1', 'files/report.md');
      expect(result).toMatchObject({
        status: 'ok',
        output: { saved: 'report.md', bytes: 11, contentType: 'text/markdown' },
        artifact: { key, size: 11, contentType: 'text/markdown' },
      });
      expect((await objects.getBytes(key)).toString('utf8')).toBe('# Résumé\n');
      expect((await objects.head(key)).contentType).toBe('text/markdown');
      const badName = await executor.execute(call('save_artifact', { name: '../etc/passwd', content: 'x' }));
      expect(expectError(badName, 'rejected', 'TOOL_INPUT_INVALID')).toMatch(
        /input\/name must match pattern/,
      );
    });

    it('turns results into tool.execution events the outbox writer encodes', async () => {
      const catalog = loadSchemaCatalog();
      const codec = createEventCodec({ catalog });
      const writer = createOutboxWriter({ catalog, codec, redactor: createRedactor() });
      const ok = call('run_javascript', { code: '"contact: alice@example.com"' });
      const okResult = await executor.execute(ok);
      const rejected = call('nope', {});
      const rejectedResult = await executor.execute(rejected);
      const events = [
        toolExecutionEvents(ok, okResult, 'sref-1'),
        toolExecutionEvents(rejected, rejectedResult, 'sref-1'),
      ].flatMap(({ request, response }) => [request, response]);
      const write = () =>
        records.transaction((txRecords, tx) =>
          writer.writeEvents(
            tx,
            txRecords,
            events.map((value) => ({
              topic: 'tool.execution',
              key: value.conversationId,
              value: { ...value },
              tenant: 'acme',
              subjectRef: 'sref-1',
            })),
          ),
        );
      const written = await write();
      expect(written).toHaveLength(4);
      expect(await write()).toHaveLength(0); // same event ids: enqueued once
      const decoded = (
        await Promise.all(
          written.map((row) => codec.decode<ToolExecutionRecord>(row.payload, 'tool.execution')),
        )
      ).map((event) => event.value);
      expect(decoded.map((value) => [value.phase, value.status, value.toolName])).toEqual([
        ['REQUEST', null, 'run_javascript'],
        ['RESPONSE', 'SUCCEEDED', 'run_javascript'],
        ['REQUEST', null, 'nope'],
        ['RESPONSE', 'DENIED', 'nope'],
      ]);
      expect(decoded[1]?.output).not.toContain('alice@example.com'); // redacted before encoding
      expect(decoded[3]?.error).toMatchObject({ code: 'TOOL_UNKNOWN', retriable: false });
    });

    it('ends a call whose caller cancels it', async () => {
      const controller = new AbortController();
      const running = executor.execute(call('run_javascript', { code: 'while (true) {}' }), {
        signal: controller.signal,
      });
      setTimeout(() => controller.abort(), 50);
      expect(expectError(await running, 'error', 'TOOL_CANCELLED')).toMatch(/cancelled/);
    });

    it('throws when a store is down instead of reporting a tool failure', async () => {
      const broken = createToolExecutor({ records, objects: harness.broken(), artifactThresholdBytes: 0 });
      try {
        const error = await broken.execute(call('run_javascript', { code: '1' })).then(
          () => undefined,
          (thrown: unknown) => thrown,
        );
        expect(error).toBeInstanceOf(Error);
        expect((error as { code?: string }).code).toMatch(harness.brokenCode);
      } finally {
        await broken.close();
      }
      // A registry on a Postgres server that is not there.
      const down = await pgSqlClient({
        url: 'postgres://nobody@127.0.0.1:1/none',
        connectTimeoutMs: 500,
        requestTimeoutMs: 500,
      });
      const noRegistry = createToolExecutor({ records: createRecords(down), objects });
      try {
        await expect(noRegistry.execute(call('run_javascript', { code: '1' }))).rejects.toMatchObject({
          name: 'UnavailableError',
          retriable: true,
        });
      } finally {
        await noRegistry.close();
        await down.close();
      }
    });

    it('refuses calls after close', async () => {
      const closing = createToolExecutor({ records, objects });
      await closing.close();
      const result = await closing.execute(call('run_javascript', { code: '1' }));
      expect(expectError(result, 'error', 'TOOL_CANCELLED')).toMatch(/closed/);
    });
  });
}
