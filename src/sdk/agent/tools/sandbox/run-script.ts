/**
 * Runs one script in QuickJS compiled to WebAssembly: the only file that imports quickjs-emscripten. The
 * interpreter has no host objects at all (no process, require, modules, fetch, timers, files, network or
 * environment): only standard JavaScript and a `console` whose lines are collected within the output limit.
 */

import {
  type CustomizeVariantOptions,
  newQuickJSWASMModuleFromVariant,
  newVariant,
  type QuickJSContext,
  type QuickJSHandle,
  type QuickJSRuntime,
  type QuickJSWASMModule,
  RELEASE_SYNC,
} from 'quickjs-emscripten';
import { describeBytes, type SandboxLimits } from './sandbox-limits.js';
import type { SandboxErrorCode, ScriptOutcome } from './sandbox-protocol.js';

type MemoryOption = Exclude<NonNullable<CustomizeVariantOptions['wasmMemory']>, () => unknown>;
// The compiler's ES lib types the WebAssembly namespace but not its constructors.
const WasmMemory = (
  globalThis as unknown as {
    WebAssembly: { Memory: new (descriptor: { initial: number; maximum: number }) => MemoryOption };
  }
).WebAssembly.Memory;
const PAGE = 64 * 1024;
/** WebAssembly pages the interpreter starts with (its static data and C stack live there too). */
const INITIAL_PAGES = 256;
/** Room above the heap limit before the WebAssembly memory itself refuses to grow. */
const HEADROOM_BYTES = 16 * 1024 * 1024;
/** Longest error message kept (characters). */
const MAX_MESSAGE = 2000;
/** The file name scripts run as (shown in error locations). */
export const SCRIPT_NAME = 'script.js';

/**
 * Captures the standard functions it needs before the script runs (so a script replacing `JSON` or
 * `String` cannot change how its result is read), installs `console`, and returns the helpers the host
 * calls afterwards. `emit` is the host's line sink; it is reachable only through `console`.
 */
const PRELUDE = `(function (emit, maxLine) {
  'use strict';
  const stringify = JSON.stringify, toText = String, ErrorType = Error, define = Object.defineProperty;
  const format = (value) => {
    if (typeof value === 'string') return value;
    if (value instanceof ErrorType) return toText(value);
    try { const json = stringify(value); return json === undefined ? toText(value) : json; }
    catch { return toText(value); }
  };
  const line = (values) => {
    let text = '';
    for (let i = 0; i < values.length && text.length <= maxLine; i++) text += (i ? ' ' : '') + format(values[i]);
    return text.length > maxLine ? text.slice(0, maxLine) : text;
  };
  let full = false;
  const writer = (prefix) => function () { if (!full && emit(prefix + line(arguments))) full = true; };
  const console = { log: writer(''), info: writer(''), debug: writer(''), trace: writer(''),
    warn: writer('[warn] '), error: writer('[error] ') };
  define(globalThis, 'console', { value: console, writable: true, configurable: true, enumerable: false });
  return {
    serialize(value, max) {
      const json = stringify(value);
      if (json === undefined) return 'null';
      return json.length > max ? json.length : json;
    },
    describe(error) {
      let text;
      try {
        if (error instanceof ErrorType) {
          const where = /(${SCRIPT_NAME}:\\d+:\\d+)/.exec(toText(error.stack));
          text = toText(error.name) + ': ' + toText(error.message) + (where ? ' (' + where[1] + ')' : '');
        } else text = typeof error === 'string' ? stringify(error) : format(error);
      } catch { text = 'a thrown value that cannot be described'; }
      return text.length > ${MAX_MESSAGE} ? text.slice(0, ${MAX_MESSAGE}) + '…' : text;
    },
  };
})`;

/** Host globals a model may reach for: naming them in the error tells it what the sandbox is. */
const HOST_NAMES =
  /^ReferenceError: '?(process|require|module|exports|fetch|XMLHttpRequest|WebSocket|Buffer|setTimeout|setInterval|setImmediate|queueMicrotask|Deno|Bun|__dirname|__filename|globalThis\.process)'? is not defined/;
/** An `import … from` or `export` statement (scripts are not modules). */
const STATIC_MODULE = /(^|[;\n])\s*(import\s*[\w{*'"]|export\s)/;
const SANDBOX_HINT =
  'the sandbox runs plain JavaScript only: no process, require, import, fetch, timers, files or network';

/**
 * Loads the interpreter with its own WebAssembly memory, capped at `memoryBytes` + 16 MiB: a hard limit
 * under QuickJS's own allocator limit, which some allocation paths exceed.
 */
export async function loadSandboxModule(limits: SandboxLimits): Promise<QuickJSWASMModule> {
  const maximum = memoryCapBytes(limits) / PAGE;
  const wasmMemory = new WasmMemory({ initial: INITIAL_PAGES, maximum });
  return newQuickJSWASMModuleFromVariant(newVariant(RELEASE_SYNC, { wasmMemory }));
}

/** What {@link runScript} returns: the outcome, and whether the interpreter must be replaced. */
export interface ScriptRun {
  readonly outcome: ScriptOutcome;
  /** True when the interpreter may be damaged (a host-level stack overflow or abort): discard the module. */
  readonly recycle: boolean;
}

/** Runs `code` as a global script in a fresh runtime of `module` under `limits`. Never throws. */
export function runScript(module: QuickJSWASMModule, code: string, limits: SandboxLimits): ScriptRun {
  const output: ConsoleState = { lines: [], bytes: 0, truncated: false };
  let runtime: QuickJSRuntime | undefined;
  let context: QuickJSContext | undefined;
  let result: Evaluation;
  try {
    runtime = module.newRuntime();
    runtime.setMemoryLimit(limits.memoryBytes);
    runtime.setMaxStackSize(limits.stackBytes);
    runtime.setModuleLoader((name) => ({
      error: new Error(`modules cannot be loaded in the sandbox (import of ${JSON.stringify(name)} refused)`),
    }));
    let deadline = Number.POSITIVE_INFINITY;
    let interrupted = false;
    runtime.setInterruptHandler(() => {
      if (Date.now() <= deadline) return false;
      interrupted = true;
      return true;
    });
    context = runtime.newContext();
    const helpers = installPrelude(context, output, limits);
    try {
      deadline = Date.now() + limits.timeoutMs;
      result = evaluate(context, runtime, code, helpers, limits, output, () => interrupted);
    } finally {
      helpers.dispose();
    }
  } catch (error) {
    // The interpreter failed at the host level (its native stack, a trap): it may be damaged, so it is
    // neither freed nor reused.
    const failed = atMemoryCap(module, limits) ? failure('TOOL_MEMORY_LIMIT', memoryMessage(limits)) : null;
    return { outcome: toOutcome(failed ?? hostFailure(error, limits), output, limits), recycle: true };
  }
  // QuickJS's allocator limit misses some growth paths; the capped WebAssembly memory stops them, but an
  // allocation refused there can leave the interpreter inconsistent: report the limit, discard the module.
  if (atMemoryCap(module, limits)) {
    const failed = result.status === 'ok' ? result : failure('TOOL_MEMORY_LIMIT', memoryMessage(limits));
    return { outcome: toOutcome(failed, output, limits), recycle: true };
  }
  try {
    context.dispose();
    runtime.dispose();
  } catch {
    return { outcome: toOutcome(result, output, limits), recycle: true };
  }
  return { outcome: toOutcome(result, output, limits), recycle: false };
}

function memoryCapBytes(limits: SandboxLimits): number {
  return Math.max(INITIAL_PAGES, Math.ceil((limits.memoryBytes + HEADROOM_BYTES) / PAGE)) * PAGE;
}

/** True when the module's WebAssembly memory has grown to within 1 MiB of its cap. */
function atMemoryCap(module: QuickJSWASMModule, limits: SandboxLimits): boolean {
  return module.getWasmMemory().buffer.byteLength >= memoryCapBytes(limits) - 1024 * 1024;
}

interface ConsoleState {
  lines: string[];
  bytes: number;
  truncated: boolean;
}

type Failure = {
  readonly status: 'error' | 'timeout';
  readonly code: SandboxErrorCode;
  readonly message: string;
};
type Evaluation = { readonly status: 'ok'; readonly resultJson: string } | Failure;

function failure(code: SandboxErrorCode, message: string): Failure {
  return { status: 'error', code, message };
}

function toOutcome(result: Evaluation, output: ConsoleState, limits: SandboxLimits): ScriptOutcome {
  const console = output.truncated
    ? [
        ...output.lines,
        `…[console output truncated at ${describeBytes(consoleLimit(limits))}, half the ${describeBytes(limits.outputBytes)} output limit]`,
      ]
    : output.lines;
  return { ...result, console, consoleTruncated: output.truncated };
}

interface Helpers {
  readonly serialize: QuickJSHandle;
  readonly describe: QuickJSHandle;
  dispose(): void;
}

function installPrelude(context: QuickJSContext, output: ConsoleState, limits: SandboxLimits): Helpers {
  // Answers true once the output is full, so the console stops calling out for lines that are dropped.
  const emit = context.newFunction('emit', (text) => {
    if (!output.truncated && context.typeof(text) === 'string') {
      appendLine(output, context.getString(text), consoleLimit(limits));
    }
    return output.truncated ? context.true : context.false;
  });
  const maxLine = context.newNumber(consoleLimit(limits));
  const factory = context.unwrapResult(context.evalCode(PRELUDE, 'sandbox-prelude.js', { strict: true }));
  try {
    const helpers = context.unwrapResult(context.callFunction(factory, context.undefined, emit, maxLine));
    const serialize = context.getProp(helpers, 'serialize');
    const describe = context.getProp(helpers, 'describe');
    helpers.dispose();
    return {
      serialize,
      describe,
      dispose: () => {
        serialize.dispose();
        describe.dispose();
      },
    };
  } finally {
    factory.dispose();
    maxLine.dispose();
    emit.dispose();
  }
}

/** Console lines get at most half the output limit, so a chatty script still has room for its result. */
function consoleLimit(limits: SandboxLimits): number {
  return Math.floor(limits.outputBytes / 2);
}

function appendLine(output: ConsoleState, text: string, limit: number): void {
  const size = Buffer.byteLength(text, 'utf8') + 1; // a line break between lines
  if (output.bytes + size <= limit) {
    output.lines.push(text);
    output.bytes += size;
    return;
  }
  const room = limit - output.bytes - 1;
  if (room > 0) output.lines.push(cutUtf8(text, room));
  output.bytes = limit;
  output.truncated = true;
}

/** The longest prefix of `text` within `bytes` UTF-8 bytes, never splitting a character. */
export function cutUtf8(text: string, bytes: number): string {
  const buffer = Buffer.from(text, 'utf8');
  if (buffer.length <= bytes) return text;
  let end = bytes;
  while (end > 0 && ((buffer[end] as number) & 0xc0) === 0x80) end--;
  return buffer.subarray(0, end).toString('utf8');
}

function evaluate(
  context: QuickJSContext,
  runtime: QuickJSRuntime,
  code: string,
  helpers: Helpers,
  limits: SandboxLimits,
  output: ConsoleState,
  interrupted: () => boolean,
): Evaluation {
  const failedWith = (error: QuickJSHandle): Failure => {
    try {
      return interrupted() ? timeout(limits) : classify(context, helpers, error, limits, code);
    } finally {
      error.dispose();
    }
  };
  const evaluated = context.evalCode(code, SCRIPT_NAME, { type: 'global' });
  if (evaluated.error) return failedWith(evaluated.error);
  let value = evaluated.value;
  try {
    // Promise jobs (async functions, .then) run here, under the same deadline.
    while (runtime.hasPendingJob()) {
      const jobs = runtime.executePendingJobs();
      if (jobs.error) return failedWith(jobs.error);
    }
    // An interrupt inside a promise job can abandon the async function without settling its promise.
    if (interrupted()) return timeout(limits);
    const state = context.getPromiseState(value);
    if (state.type === 'pending') {
      return failure(
        'TOOL_SCRIPT_ERROR',
        "the script's promise never settled: the sandbox has no timers or I/O to wait for",
      );
    }
    if (state.type === 'rejected') return failedWith(state.error);
    if (!state.notAPromise) {
      value.dispose();
      value = state.value;
    }
    return serializeResult(context, helpers, value, limits, output, failedWith);
  } finally {
    value.dispose();
  }
}

function serializeResult(
  context: QuickJSContext,
  helpers: Helpers,
  value: QuickJSHandle,
  limits: SandboxLimits,
  output: ConsoleState,
  failedWith: (error: QuickJSHandle) => Failure,
): Evaluation {
  const room = Math.max(0, limits.outputBytes - output.bytes);
  const max = context.newNumber(room);
  const serialized = context.callFunction(helpers.serialize, context.undefined, value, max);
  max.dispose();
  if (serialized.error) {
    const failed = failedWith(serialized.error);
    return failed.code === 'TOOL_SCRIPT_ERROR'
      ? failure('TOOL_RESULT_INVALID', `the result cannot be converted to JSON: ${failed.message}`)
      : failed;
  }
  const json = serialized.value;
  try {
    const text = context.typeof(json) === 'string' ? context.getString(json) : undefined;
    const size = text === undefined ? context.getNumber(json) : Buffer.byteLength(text, 'utf8');
    if (text !== undefined && size <= room) return { status: 'ok', resultJson: text };
    return failure(
      'TOOL_OUTPUT_LIMIT',
      `the result is ${text === undefined ? 'at least ' : ''}${describeBytes(size)} of JSON, more than the ` +
        `${describeBytes(room)} left of the ${describeBytes(limits.outputBytes)} output limit: return less ` +
        '(a summary, a slice) or print less',
    );
  } finally {
    json.dispose();
  }
}

function classify(
  context: QuickJSContext,
  helpers: Helpers,
  error: QuickJSHandle,
  limits: SandboxLimits,
  code: string,
): Failure {
  const described = context.callFunction(helpers.describe, context.undefined, error);
  let text: string | undefined;
  if (described.error) described.error.dispose();
  else {
    text = context.typeof(described.value) === 'string' ? context.getString(described.value) : undefined;
    described.value.dispose();
  }
  if (text === undefined || text.startsWith('InternalError: out of memory')) {
    return failure('TOOL_MEMORY_LIMIT', memoryMessage(limits));
  }
  if (text.startsWith('InternalError: stack overflow'))
    return failure('TOOL_STACK_OVERFLOW', stackMessage(limits));
  if (HOST_NAMES.test(text) || (text.startsWith('SyntaxError') && STATIC_MODULE.test(code))) {
    return failure('TOOL_SCRIPT_ERROR', `Uncaught ${text}: ${SANDBOX_HINT}`);
  }
  return failure('TOOL_SCRIPT_ERROR', `Uncaught ${text}`);
}

function memoryMessage(limits: SandboxLimits): string {
  return `the script used more than the ${describeBytes(limits.memoryBytes)} memory limit and was stopped`;
}

function stackMessage(limits: SandboxLimits): string {
  return `the script recursed past the ${describeBytes(limits.stackBytes)} stack limit and was stopped`;
}

function timeout(limits: SandboxLimits): Failure {
  return {
    status: 'timeout',
    code: 'TOOL_TIMEOUT',
    message: `the script ran longer than the ${limits.timeoutMs} ms time limit and was stopped`,
  };
}

function hostFailure(error: unknown, limits: SandboxLimits): Failure {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof RangeError && /call stack/i.test(message)) {
    return failure('TOOL_STACK_OVERFLOW', stackMessage(limits));
  }
  if (/out of memory|OOM|Cannot enlarge memory|memory access out of bounds/i.test(message)) {
    return failure('TOOL_MEMORY_LIMIT', memoryMessage(limits));
  }
  return failure(
    'TOOL_SANDBOX_FAILED',
    `the sandbox failed while running the script: ${message.slice(0, 500)}`,
  );
}
