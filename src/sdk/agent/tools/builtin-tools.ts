import { isSomaError } from '../../errors.js';
import type { Records } from '../../stores/records/records.js';
import type { ToolImplementation, ToolOutcome } from './tool-types.js';

/** Publisher id of the tools that ship with somaagent. */
export const BUILTIN_PUBLISHER = 'somaagent';

/** Largest `save_artifact` content, in UTF-8 bytes. */
export const MAX_SAVED_ARTIFACT_BYTES = 1024 * 1024;

const runJavascript: ToolImplementation = {
  name: 'run_javascript',
  version: '1.0.0',
  description:
    'Runs JavaScript (ES2023) in an isolated sandbox and returns the value of the last expression as JSON ' +
    '(awaited when it is a promise), with the console output. Only standard JavaScript is available: no ' +
    'network, files, modules, timers, process or environment. Time, memory and output are limited.',
  inputSchema: {
    type: 'object',
    properties: {
      code: {
        type: 'string',
        minLength: 1,
        maxLength: 100_000,
        description: 'The script; its last expression is the result, e.g. "[1,2,3].map(x => x * 2)".',
      },
    },
    required: ['code'],
    additionalProperties: false,
  },
  async run(input, { sandbox, signal }): Promise<ToolOutcome> {
    const { code } = input as { code: string };
    const outcome = await sandbox.run(code, signal);
    if (outcome.status === 'ok') {
      return { status: 'ok', output: { result: JSON.parse(outcome.resultJson), console: outcome.console } };
    }
    return {
      status: outcome.status,
      code: outcome.code,
      message: outcome.message,
      ...(outcome.console.length > 0 ? { output: { console: outcome.console } } : {}),
    };
  },
};

const saveArtifact: ToolImplementation = {
  name: 'save_artifact',
  version: '1.0.0',
  description:
    'Saves text as a named file of this conversation (a report, CSV, code…) for the user to download. ' +
    'Saving the same name again replaces the file.',
  inputSchema: {
    type: 'object',
    properties: {
      name: {
        type: 'string',
        pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$',
        description:
          'File name: letters, digits, ".", "_" and "-", at most 128 characters, e.g. "report.md".',
      },
      content: { type: 'string', maxLength: MAX_SAVED_ARTIFACT_BYTES, description: 'The text to save.' },
      contentType: {
        type: 'string',
        pattern: '^[a-z]+/[a-z0-9.+-]+$',
        description: 'Media type, e.g. "text/csv"; "text/plain" when omitted.',
      },
    },
    required: ['name', 'content'],
    additionalProperties: false,
  },
  async run(input, { storeArtifact }): Promise<ToolOutcome> {
    const { name, content, contentType } = input as { name: string; content: string; contentType?: string };
    const body = Buffer.from(content, 'utf8');
    if (body.length > MAX_SAVED_ARTIFACT_BYTES) {
      return {
        status: 'rejected',
        code: 'TOOL_INPUT_INVALID',
        message: `invalid input for save_artifact: content is ${body.length} bytes, more than ${MAX_SAVED_ARTIFACT_BYTES}`,
      };
    }
    const type = contentType ?? 'text/plain';
    const artifact = await storeArtifact(`files/${name}`, body, type);
    return { status: 'ok', output: { saved: name, bytes: artifact.size, contentType: type }, artifact };
  },
};

/** The tools that ship with somaagent: `run_javascript` and `save_artifact`. */
export const BUILTIN_TOOLS: readonly ToolImplementation[] = Object.freeze([runJavascript, saveArtifact]);

/**
 * Registers every built-in tool version in the marketplace registry (publisher `somaagent`), enabled.
 * Idempotent: a version already registered is left as it is (an operator may have disabled it), and two
 * processes registering at once both succeed.
 */
export async function registerBuiltinTools(records: Records): Promise<void> {
  for (const tool of BUILTIN_TOOLS) {
    if (await records.tools.get(tool.name, tool.version)) continue;
    try {
      await records.tools.create({
        name: tool.name,
        version: tool.version,
        description: tool.description,
        inputSchema: tool.inputSchema,
        publisher: BUILTIN_PUBLISHER,
      });
    } catch (error) {
      // Registered meanwhile by another process: that is the state we wanted.
      const raced =
        isSomaError(error) &&
        error.code === 'INVALID_INPUT' &&
        (await records.tools.get(tool.name, tool.version));
      if (!raced) throw error;
    }
  }
}
