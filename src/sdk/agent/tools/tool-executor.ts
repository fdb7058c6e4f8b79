/**
 * The tool layer the conversation worker calls: tools come from the marketplace registry (Records), run
 * here (JavaScript in a QuickJS/WebAssembly sandbox off the main thread), and large outputs go to the
 * ObjectStore under the person's prefix. Every call gives a {@link ToolResult}; `toolExecutionEvents` turns
 * it into the `tool.execution` events the caller writes to the outbox.
 */

import type { SomaConfig } from '../../config/schema.js';
import { InvalidInputError, isSomaError } from '../../errors.js';
import { checkId } from '../../stores/ids.js';
import type { ObjectStore } from '../../stores/objects/object-store.js';
import type { Records } from '../../stores/records/records.js';
import type { Tool } from '../../stores/records/tool-registry.js';
import { checkToolName } from '../../stores/records/tool-validation.js';
import { BUILTIN_TOOLS } from './builtin-tools.js';
import {
  resolveSandboxLimits,
  type SandboxLimits,
  sandboxLimitsFromConfig,
} from './sandbox/sandbox-limits.js';
import { SandboxPool } from './sandbox/sandbox-pool.js';
import { artifactKey, artifactPreview, outputArtifactKey, putArtifact } from './tool-artifacts.js';
import { ToolInputValidator } from './tool-input.js';
import type {
  ToolArtifactRef,
  ToolCallRequest,
  ToolImplementation,
  ToolOutcome,
  ToolResult,
  ToolSpec,
} from './tool-types.js';

export { BUILTIN_TOOLS, registerBuiltinTools } from './builtin-tools.js';
export { DEFAULT_SANDBOX_LIMITS, type SandboxLimits } from './sandbox/sandbox-limits.js';
export { type ToolExecutionRecord, toolExecutionEvents } from './tool-events.js';
export type * from './tool-types.js';

/** Default size above which an output is stored as an artifact (`tools.artifactThreshold`). */
export const DEFAULT_ARTIFACT_THRESHOLD_BYTES = 16 * 1024;

/** Runs tool calls. */
export interface ToolExecutor {
  /** The enabled tools of the registry that this runtime implements, one version per name, for the model. */
  list(tenant: string): Promise<ToolSpec[]>;
  /**
   * Runs one call. Never throws for a tool failure: an unknown or disabled tool or invalid input is
   * `rejected`, a failing script `error`, one out of time `timeout`, each with a message saying what was
   * wrong. Throws only when a store (registry, ObjectStore) is unavailable.
   */
  execute(call: ToolCallRequest, options?: { signal?: AbortSignal }): Promise<ToolResult>;
  /** Ends the sandbox workers; later calls give `error` with `TOOL_CANCELLED`. */
  close(): Promise<void>;
}

/** Options of {@link createToolExecutor}. */
export interface ToolExecutorOptions {
  readonly records: Records;
  readonly objects: ObjectStore;
  readonly limits?: Partial<SandboxLimits>;
  /** Outputs whose JSON is larger go to the ObjectStore (default 16 KiB; 0 stores every output). */
  readonly artifactThresholdBytes?: number;
  /** Sandboxes running at once (default 2). */
  readonly concurrency?: number;
  /** Extra implementations besides the built-ins (each runs only when registered and enabled). */
  readonly tools?: readonly ToolImplementation[];
  /** Start the sandbox workers now, so the first calls do not wait for them. */
  readonly warm?: boolean;
}

/** The executor options of a resolved configuration (`tools.*`). */
export function toolExecutorOptionsFromConfig(
  config: SomaConfig,
): Pick<ToolExecutorOptions, 'limits' | 'artifactThresholdBytes' | 'concurrency'> {
  return {
    limits: sandboxLimitsFromConfig(config),
    artifactThresholdBytes: config.tools.artifactThreshold,
    concurrency: config.tools.concurrency,
  };
}

/** A {@link ToolExecutor} over the registry in `records` and the artifacts store `objects`. */
export function createToolExecutor(options: ToolExecutorOptions): ToolExecutor {
  const { records, objects } = options;
  const limits = resolveSandboxLimits(options.limits);
  const threshold = options.artifactThresholdBytes ?? DEFAULT_ARTIFACT_THRESHOLD_BYTES;
  if (!Number.isInteger(threshold) || threshold < 0) {
    throw new InvalidInputError(`artifactThresholdBytes = ${JSON.stringify(threshold)} is invalid`, {
      hint: 'Use a whole number of bytes, 0 or more.',
    });
  }
  const implementations = new Map<string, ToolImplementation>();
  for (const tool of [...BUILTIN_TOOLS, ...(options.tools ?? [])]) {
    implementations.set(`${checkToolName(tool.name)}@${tool.version}`, tool);
  }
  const concurrency = options.concurrency ?? 2;
  const sandbox = new SandboxPool({ limits, size: concurrency });
  if (options.warm) void sandbox.warm(concurrency);
  const validator = new ToolInputValidator();
  const implemented = (tool: Tool) => implementations.get(`${tool.name}@${tool.version}`);
  let closed = false;

  const list = async (tenant: string): Promise<ToolSpec[]> => {
    checkId('tenant', tenant);
    const byName = new Map<string, Tool[]>();
    for (const tool of await records.tools.list({ enabled: true, limit: 1000 })) {
      if (implemented(tool)) byName.set(tool.name, [...(byName.get(tool.name) ?? []), tool]);
    }
    return [...byName.values()]
      .map((versions) => pickVersion(versions) as Tool)
      .map((tool) => ({
        name: tool.name,
        version: tool.version,
        description: tool.description,
        inputSchema: structuredClone(tool.inputSchema) as Record<string, unknown>,
      }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  };

  /** The version a call runs, or why none can. */
  const resolve = async (call: ToolCallRequest): Promise<Tool | Refusal> => {
    const versions = await records.tools.list({ name: call.name, limit: 1000 });
    const chosen = pickVersion(versions.filter((tool) => tool.enabled && implemented(tool)));
    if (chosen) return chosen;
    const available = `available tools: ${(await list(call.tenant)).map((tool) => tool.name).join(', ') || 'none'}`;
    if (versions.length === 0) return refusal('TOOL_UNKNOWN', `unknown tool ${call.name}; ${available}`);
    if (!versions.some((tool) => tool.enabled)) {
      return refusal('TOOL_DISABLED', `tool ${call.name} is disabled; ${available}`);
    }
    const registered = versions.map((tool) => tool.version).join(', ');
    return refusal(
      'TOOL_NOT_AVAILABLE',
      `tool ${call.name} (versions ${registered}) has no implementation in this runtime; ${available}`,
    );
  };

  const run = async (call: ToolCallRequest, tool: Tool, signal?: AbortSignal): Promise<Ran> => {
    const metadata = { tool: tool.name, 'tool-version': tool.version };
    try {
      const outcome = await (implemented(tool) as ToolImplementation).run(call.input, {
        call,
        version: tool.version,
        signal,
        sandbox,
        objects,
        storeArtifact: (path, body, contentType) =>
          putArtifact(objects, artifactKey(call, path), body, contentType, metadata),
      });
      const artifact = outcome.status === 'ok' ? outcome.artifact : undefined;
      if (outcome.output === undefined || artifact) return { outcome, artifact };
      // A large output goes to the ObjectStore; the result carries a preview and the reference.
      const json = JSON.stringify(outcome.output) ?? 'null';
      const bytes = Buffer.byteLength(json, 'utf8');
      if (bytes <= threshold) return { outcome };
      const body = Buffer.from(json, 'utf8');
      const stored = await putArtifact(objects, outputArtifactKey(call), body, 'application/json', metadata);
      return { outcome: { ...outcome, output: artifactPreview(json, bytes) }, artifact: stored };
    } catch (error) {
      // Store outages propagate; anything else is this call's failure.
      if (isSomaError(error) && !(error instanceof InvalidInputError)) throw error;
      const message = error instanceof Error ? error.message : String(error);
      return {
        outcome: { status: 'error', code: 'TOOL_FAILED', message: `${tool.name} failed: ${message}` },
      };
    }
  };

  const execute = async (call: ToolCallRequest, signal?: AbortSignal): Promise<ToolResult> => {
    const startedAt = new Date();
    const done = (version: string, ran: Ran) => toResult(call, version, startedAt, ran);
    const invalid = checkRequest(call);
    if (invalid) return done('', { outcome: invalid });
    if (closed) return done('', { outcome: cancelled('the tool executor is closed') });
    if (signal?.aborted) return done('', { outcome: cancelled('the call was cancelled') });
    const tool = await resolve(call);
    if (!('publisher' in tool)) return done('', { outcome: tool });
    const problem = validator.check(tool, call.input);
    if (problem) return done(tool.version, { outcome: refusal(problem.code, problem.message) });
    return done(tool.version, await run(call, tool, signal));
  };

  return {
    list,
    execute: (call, executeOptions) => execute(call, executeOptions?.signal),
    async close() {
      closed = true;
      await sandbox.close();
    },
  };
}

type Refusal = ToolOutcome & { readonly status: 'rejected'; readonly code: string; readonly message: string };

interface Ran {
  readonly outcome: ToolOutcome;
  readonly artifact?: ToolArtifactRef;
}

function refusal(code: string, message: string): Refusal {
  return { status: 'rejected', code, message };
}

function cancelled(message: string): ToolOutcome {
  return { status: 'error', code: 'TOOL_CANCELLED', message };
}

function toResult(call: ToolCallRequest, version: string, startedAt: Date, ran: Ran): ToolResult {
  const endedAt = new Date();
  const { outcome, artifact } = ran;
  return {
    callId: typeof call?.callId === 'string' ? call.callId : '',
    name: typeof call?.name === 'string' ? call.name : '',
    version,
    status: outcome.status,
    ...(outcome.output === undefined ? {} : { output: outcome.output }),
    ...(artifact ? { artifact } : {}),
    ...(outcome.status === 'ok' ? {} : { error: { code: outcome.code, message: outcome.message } }),
    durationMs: endedAt.getTime() - startedAt.getTime(),
    startedAt,
    endedAt,
  };
}

/** The highest release among `versions` (ascending semver, as the registry lists them), else the highest pre-release. */
function pickVersion(versions: readonly Tool[]): Tool | undefined {
  const releases = versions.filter((tool) => !tool.version.includes('-'));
  return releases.at(-1) ?? versions.at(-1);
}

function checkRequest(call: ToolCallRequest): Refusal | undefined {
  if (typeof call !== 'object' || call === null)
    return refusal('TOOL_REQUEST_INVALID', 'the tool call must be an object');
  try {
    checkId('tenant', call.tenant);
    checkId('subject', call.subject);
    checkId('conversation', call.conversationId);
    checkId('call', call.callId);
  } catch (error) {
    return refusal(
      'TOOL_REQUEST_INVALID',
      `invalid tool call: ${isSomaError(error) ? error.message : String(error)}`,
    );
  }
  try {
    checkToolName(call.name);
  } catch {
    return refusal(
      'TOOL_UNKNOWN',
      `unknown tool ${JSON.stringify(call.name)?.slice(0, 80)}: not a valid tool name`,
    );
  }
  return undefined;
}
