import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_SANDBOX_LIMITS,
  resolveSandboxLimits,
} from '../../src/sdk/agent/tools/sandbox/sandbox-limits.js';
import { SandboxPool } from '../../src/sdk/agent/tools/sandbox/sandbox-pool.js';
import type { ScriptOutcome } from '../../src/sdk/agent/tools/sandbox/sandbox-protocol.js';

const KiB = 1024;
const MiB = 1024 * KiB;

function ok(outcome: ScriptOutcome): { result: unknown; console: string[] } {
  expect(outcome, JSON.stringify(outcome).slice(0, 500)).toMatchObject({ status: 'ok' });
  if (outcome.status !== 'ok') throw new Error('unreachable');
  return { result: JSON.parse(outcome.resultJson), console: outcome.console };
}

function failure(outcome: ScriptOutcome, code: string): string {
  expect(outcome, JSON.stringify(outcome).slice(0, 500)).toMatchObject({ code });
  return outcome.status === 'ok' ? '' : outcome.message;
}

describe('JavaScript sandbox (QuickJS/WebAssembly on worker threads)', () => {
  // Short time limit so runaway scripts end quickly; the memory tests use their own pool (below).
  const pool = new SandboxPool({
    limits: resolveSandboxLimits({ timeoutMs: 300, outputBytes: 8 * KiB }),
    size: 2,
  });
  beforeAll(() => pool.warm(2));
  afterAll(() => pool.close());

  it('returns the last expression as JSON, with console lines, awaiting a promise', async () => {
    expect(ok(await pool.run('console.log("sum", {a: 1}, [2]); [1, 2, 3].map((x) => x * 2)'))).toEqual({
      result: [2, 4, 6],
      console: ['sum {"a":1} [2]'],
    });
    expect(ok(await pool.run('(async () => { await null; return { done: true }; })()')).result).toEqual({
      done: true,
    });
    expect(ok(await pool.run('undefined')).result).toBeNull();
    expect(
      ok(await pool.run('console.warn("careful"); console.error(new TypeError("bad"))')).console,
    ).toEqual(['[warn] careful', '[error] TypeError: bad']);
  });

  it('stops an infinite loop at the time limit, even inside try/catch', async () => {
    expect(failure(await pool.run('while (true) {}'), 'TOOL_TIMEOUT')).toMatch(/300 ms time limit/);
    const caught = await pool.run('for (;;) { try { while (true) {} } catch (e) {} } "escaped"');
    expect(caught.status).toBe('timeout');
    expect(failure(await pool.run('(async () => { for (;;) await null; })()'), 'TOOL_TIMEOUT')).toBeTruthy();
  });

  it('keeps the main event loop and the other sandboxes serving while a script spins', async () => {
    // Its own pool with a long time limit: the spinning script ends only when the test cancels it.
    const spinPool = new SandboxPool({ limits: resolveSandboxLimits({ timeoutMs: 60_000 }), size: 2 });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    try {
      await spinPool.warm(2);
      const controller = new AbortController();
      let spinning = true;
      const loop = spinPool.run('while (true) {}', controller.signal).finally(() => {
        spinning = false;
      });
      const ticksAtStart = ticks;
      expect(ok(await spinPool.run('21 * 2')).result).toBe(42);
      while (ticks < ticksAtStart + 3) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(spinning).toBe(true);
      controller.abort();
      expect((await loop).status).toBe('error');
    } finally {
      clearInterval(timer);
      await spinPool.close();
    }
  });

  it('stops deep recursion at the stack limit', async () => {
    expect(
      failure(await pool.run('function f(n) { return f(n + 1) + 1; } f(0)'), 'TOOL_STACK_OVERFLOW'),
    ).toMatch(/256 KiB stack limit/);
    expect(ok(await pool.run('function g(n) { return n ? g(n - 1) + 1 : 0; } g(500)')).result).toBe(500);
  });

  it('truncates huge console output with a marker and refuses a result over the output limit', async () => {
    const printed = ok(await pool.run('for (let i = 0; i < 20000; i++) console.log("line " + i); "done"'));
    expect(printed.result).toBe('done');
    expect(printed.console.at(-1)).toBe('…[console output truncated at 4 KiB, half the 8 KiB output limit]');
    expect(printed.console.slice(0, -1).join('\n').length).toBeLessThanOrEqual(4 * KiB);
    expect(printed.console.length).toBeGreaterThan(400);
    expect(failure(await pool.run('"x".repeat(1e6)'), 'TOOL_OUTPUT_LIMIT')).toMatch(
      /more than the 8 KiB left of the 8 KiB output limit/,
    );
    expect(failure(await pool.run('10n'), 'TOOL_RESULT_INVALID')).toMatch(/BigInt/);
  });

  it.each([
    ['process', 'process.exit(1)', /'process' is not defined.*no process, require, import, fetch/],
    ['require', 'require("fs").readFileSync("/etc/passwd", "utf8")', /'require' is not defined/],
    ['fetch', 'fetch("http://127.0.0.1:9090/")', /'fetch' is not defined/],
    ['dynamic import', 'import("fs")', /modules cannot be loaded in the sandbox \(import of "fs" refused\)/],
    [
      'dynamic import of a file',
      'import("file:///etc/passwd")',
      /import of "file:\/\/\/etc\/passwd" refused/,
    ],
    [
      'static import',
      'import { readFileSync } from "node:fs"; readFileSync("/etc/passwd")',
      /SyntaxError.*no process/,
    ],
    ['timers', 'setTimeout(() => {}, 10)', /'setTimeout' is not defined/],
    ['Buffer', 'Buffer.from("x")', /'Buffer' is not defined/],
  ])('refuses %s with a clear script error', async (_what, code, message) => {
    expect(failure(await pool.run(code), 'TOOL_SCRIPT_ERROR')).toMatch(message);
  });

  it('has no host objects to find by introspection or through the Function constructor', async () => {
    const globals = ok(await pool.run('Object.getOwnPropertyNames(globalThis).sort()')).result as string[];
    for (const host of [
      'process',
      'require',
      'module',
      'fetch',
      'Buffer',
      'WebAssembly',
      'setTimeout',
      'std',
      'os',
    ]) {
      expect(globals).not.toContain(host);
    }
    const probes = ok(
      await pool.run(`[
        typeof Function('return this')().process,
        this.constructor.constructor('return typeof process')(),
        typeof eval('globalThis.require'),
        typeof (0, eval)('this').fetch,
        typeof Object.getPrototypeOf(async function () {}).constructor('return process')(),
        Object.getOwnPropertyNames(Function('return this')()).includes('process'),
      ]`),
    ).result;
    expect(probes).toEqual(['undefined', 'undefined', 'undefined', 'undefined', 'object', false]);
    // The async-function constructor returns a promise of the lookup, which fails like any other.
    expect(
      failure(
        await pool.run('Object.getPrototypeOf(async function () {}).constructor("return process")()'),
        'TOOL_SCRIPT_ERROR',
      ),
    ).toMatch(/'process' is not defined/);
  });

  it('gives each script a fresh global scope', async () => {
    ok(await pool.run('globalThis.leak = 1; var secret = "a"; 0'));
    expect(ok(await pool.run('[typeof leak, typeof secret]')).result).toEqual(['undefined', 'undefined']);
  });

  it('reports a thrown error with its location and keeps serving', async () => {
    expect(failure(await pool.run('\n  null.x'), 'TOOL_SCRIPT_ERROR')).toMatch(
      /^Uncaught TypeError: .*\(script\.js:2:/,
    );
    expect(failure(await pool.run('throw "plain"'), 'TOOL_SCRIPT_ERROR')).toBe('Uncaught "plain"');
    expect(failure(await pool.run('new Promise(() => {})'), 'TOOL_SCRIPT_ERROR')).toMatch(/never settled/);
    expect(ok(await pool.run('"still serving"')).result).toBe('still serving');
  });

  it('ends a cancelled script and kills its worker', async () => {
    const controller = new AbortController();
    const running = pool.run('while (true) {}', controller.signal);
    setImmediate(() => controller.abort());
    expect(failure(await running, 'TOOL_CANCELLED')).toMatch(/cancelled/);
    expect(ok(await pool.run('1')).result).toBe(1);
  });
});

describe('JavaScript sandbox memory limits', () => {
  const pool = new SandboxPool({
    limits: resolveSandboxLimits({ timeoutMs: 20_000, memoryBytes: 8 * MiB }),
    size: 1,
  });
  afterAll(() => pool.close());

  it.each([
    ['array growth', 'const a = []; for (let i = 0; ; i++) a.push({ i, b: [i, i, i, i] })'],
    ['fast array growth', 'const a = []; for (let i = 0; ; i++) a.push(new Array(1000).fill(i))'],
    ['string doubling', 'let s = "x"; for (;;) s += s'],
    ['many strings', 'const s = []; for (;;) s.push("y".repeat(1 << 16) + s.length)'],
    ['one huge buffer', 'new ArrayBuffer(512 * 1024 * 1024)'],
  ])('stops a memory bomb (%s) at the memory limit, then serves the next script', async (_what, code) => {
    const outcome = await pool.run(code);
    // QuickJS reports a string over its maximum length as its own error; every other bomb hits the limit.
    if (outcome.status !== 'ok' && outcome.code === 'TOOL_SCRIPT_ERROR') {
      expect(outcome.message).toMatch(/InternalError: (string too long|invalid string length)/);
    } else {
      expect(failure(outcome, 'TOOL_MEMORY_LIMIT')).toMatch(/more than the 8 MiB memory limit/);
    }
    expect(ok(await pool.run('[1, 2, 3].length')).result).toBe(3);
  });
});

describe('JavaScript sandbox wall-clock backstop', () => {
  it('kills a worker stuck in a long native call past the deadline and grace period', async () => {
    const pool = new SandboxPool({
      limits: resolveSandboxLimits({ timeoutMs: 10, memoryBytes: 256 * MiB }),
      size: 1,
      killGraceMs: 500,
    });
    try {
      await pool.warm();
      // Splitting and sorting 2M strings runs in native code for seconds, where the interpreter does not poll
      // its deadline: only the worker kill ends it.
      const outcome = await pool.run('const a = "abcdefghij".repeat(2e5).split(""); a.sort(); a.length');
      expect(failure(outcome, 'TOOL_TIMEOUT')).toMatch(/sandbox thread was killed after 510 ms/);
      expect(pool.stats.killed).toBe(1);
      expect(ok(await pool.run('"replaced"')).result).toBe('replaced');
      expect(pool.stats.started).toBe(2);
    } finally {
      await pool.close();
    }
  });

  it('refuses out-of-range limits', () => {
    expect(() => resolveSandboxLimits({ timeoutMs: 0 })).toThrow(/timeoutMs = 0 is out of range/);
    expect(() => resolveSandboxLimits({ memoryBytes: 1.5 })).toThrow(/memoryBytes/);
    expect(resolveSandboxLimits({})).toEqual(DEFAULT_SANDBOX_LIMITS);
  });
});
