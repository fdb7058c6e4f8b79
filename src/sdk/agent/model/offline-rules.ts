/**
 * The rules of the offline model, as pure functions of the request (docs/offline-model.md).
 */
import type { ChatMessage, ModelRequest, ModelToolSpec, RecalledMemory, ToolCall } from './model-provider.js';
import { MAX_QUOTE, summariseToolResult } from './tool-result-summary.js';

/** Memories scoring below this cosine similarity are not quoted. */
export const MEMORY_MIN_SCORE = 0.2;
/** At most this many memories are quoted, best first. */
export const MAX_QUOTED_MEMORIES = 3;
/** The tool that `/run` and fenced JavaScript blocks call. */
export const RUN_TOOL = 'run_javascript';

/** What the offline model does with one request: reply with text, or call one tool. */
export type OfflineDecision =
  | { kind: 'text'; rule: OfflineRule; text: string }
  | { kind: 'call'; rule: OfflineRule; call: ToolCall };

/** Which rule decided (docs/offline-model.md numbers them in this order). */
export type OfflineRule =
  | 'tool-results'
  | 'help'
  | 'run-command'
  | 'tool-command'
  | 'run-fenced-code'
  | 'memory'
  | 'fallback';

const RUN_COMMAND = /^\/run(?:\s+([\s\S]*))?$/;
const TOOL_COMMAND = /^\/tool(?:\s+(\S+)(?:\s+([\s\S]*))?)?$/;
const FENCE = /```[ \t]*([A-Za-z]*)[^\n]*\n([\s\S]*?)```/g;
const JS_LANGUAGES = new Set(['', 'js', 'javascript', 'mjs', 'cjs', 'node']);
const RUN_INTENT = /\b(run|execute|eval|evaluate)\b/i;

/** Decides the reply to `request`; the same request always gets the same decision. */
export function decide(request: ModelRequest): OfflineDecision {
  const { messages, tools } = request;
  const lastUser = findLastIndex(messages, (message) => message.role === 'user');
  const lastAssistant = findLastIndex(messages, (message) => message.role === 'assistant');
  const results = messages
    .slice(Math.max(lastUser, lastAssistant) + 1)
    .filter((message): message is Extract<ChatMessage, { role: 'tool' }> => message.role === 'tool');
  // A user message gets at most one round of tool calls: once results follow it, the model only reports.
  if (results.length > 0 || messages.slice(lastUser + 1).some((m) => m.role === 'tool')) {
    const text =
      results.length > 0
        ? results.map((result) => summariseToolResult(result.name, result.content)).join('\n')
        : 'The tools have run; there is nothing more to report.';
    return { kind: 'text', rule: 'tool-results', text };
  }

  const user = lastUser >= 0 ? (messages[lastUser] as { content: string }).content.trim() : '';
  if (/^\/help\s*$/i.test(user)) return { kind: 'text', rule: 'help', text: helpText(tools) };

  const run = RUN_COMMAND.exec(user);
  if (run) {
    const code = unfence(run[1] ?? '').trim();
    if (code === '') {
      return {
        kind: 'text',
        rule: 'run-command',
        text: 'Usage: /run <JavaScript code>, for example /run 6 * 7',
      };
    }
    return callOrRefuse('run-command', RUN_TOOL, { code }, request);
  }

  const tool = TOOL_COMMAND.exec(user);
  if (tool) {
    const [, name, json] = tool;
    if (!name) {
      return { kind: 'text', rule: 'tool-command', text: `Usage: /tool NAME {json}. ${toolList(tools)}` };
    }
    const args = parseArguments(json ?? '');
    if (args === undefined) {
      return {
        kind: 'text',
        rule: 'tool-command',
        text: `The arguments of /tool must be one JSON object, for example /tool ${name} {"key": "value"}.`,
      };
    }
    return callOrRefuse('tool-command', name, args, request);
  }

  const code = fencedJavaScript(user);
  if (code !== undefined) return callOrRefuse('run-fenced-code', RUN_TOOL, { code }, request);

  const quoted = relevantMemories(request.memories, user);
  if (quoted.length > 0) {
    const lines = quoted.map((memory) => `- ${cut(memory.text.trim())} (${day(memory.createdAt)})`);
    return { kind: 'text', rule: 'memory', text: `From what you told me earlier:\n${lines.join('\n')}` };
  }
  return { kind: 'text', rule: 'fallback', text: fallbackText(tools) };
}

/**
 * The memories the offline model quotes: score ≥ {@link MEMORY_MIN_SCORE}, not the user's message itself,
 * best score first (then newest, then id), at most {@link MAX_QUOTED_MEMORIES}.
 */
export function relevantMemories(memories: readonly RecalledMemory[], userText: string): RecalledMemory[] {
  const own = normalise(userText);
  return memories
    .filter((memory) => memory.score >= MEMORY_MIN_SCORE && normalise(memory.text) !== own)
    .sort(
      (a, b) =>
        b.score - a.score ||
        b.createdAt.getTime() - a.createdAt.getTime() ||
        (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    )
    .slice(0, MAX_QUOTED_MEMORIES);
}

/** The first ```js (or unlabelled) block of a message whose text outside the blocks asks to run it. */
export function fencedJavaScript(text: string): string | undefined {
  const blocks = [...text.matchAll(FENCE)];
  if (blocks.length === 0) return undefined;
  if (!RUN_INTENT.test(text.replace(FENCE, ' '))) return undefined;
  const block = blocks.find((match) => JS_LANGUAGES.has((match[1] ?? '').toLowerCase()));
  const code = block?.[2]?.trim();
  return code ? code : undefined;
}

function callOrRefuse(
  rule: OfflineRule,
  name: string,
  args: Record<string, unknown>,
  request: ModelRequest,
): OfflineDecision {
  if (!request.tools.some((tool) => tool.name === name)) {
    return { kind: 'text', rule, text: `The tool ${name} is not available here. ${toolList(request.tools)}` };
  }
  const id = `call_offline_${hash(JSON.stringify([request.messages.length, name, args]))}`;
  return { kind: 'call', rule, call: { id, name, arguments: args } };
}

function parseArguments(json: string): Record<string, unknown> | undefined {
  const text = unfence(json).trim();
  if (text === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** `/run` and `/tool` also accept their payload inside one fenced block. */
function unfence(text: string): string {
  const match = /^\s*```[^\n]*\n([\s\S]*?)```\s*$/.exec(text);
  return match ? (match[1] as string) : text;
}

function toolList(tools: readonly ModelToolSpec[]): string {
  return tools.length === 0
    ? 'No tools are available in this conversation.'
    : `Available tools: ${tools.map((tool) => tool.name).join(', ')}.`;
}

function helpText(tools: readonly ModelToolSpec[]): string {
  return [
    'I am the offline model: I follow fixed rules and need no network.',
    '- /run CODE runs JavaScript with the run_javascript tool; so does a ```js block in a message that says run.',
    '- /tool NAME {json} calls a tool with JSON arguments.',
    '- Anything else: I quote what you told me earlier that matches, if anything does.',
    toolList(tools),
  ].join('\n');
}

function fallbackText(tools: readonly ModelToolSpec[]): string {
  const running =
    tools.length === 0
      ? 'I run tools when asked explicitly, but none are available in this conversation.'
      : 'I run tools when you ask explicitly: /run CODE or /tool NAME {json}.';
  return (
    'Noted. I am the offline model, so I do not compose answers: I quote what you told me earlier when it ' +
    `matches your message (nothing did this time). ${running} /help lists the rules.`
  );
}

function normalise(text: string): string {
  return text.trim().toLowerCase().replace(/\s+/g, ' ');
}

function cut(text: string): string {
  return text.length > MAX_QUOTE ? `${text.slice(0, MAX_QUOTE)}…` : text;
}

function day(date: Date): string {
  return Number.isNaN(date.getTime()) ? 'date unknown' : date.toISOString().slice(0, 10);
}

function findLastIndex<T>(items: readonly T[], test: (item: T) => boolean): number {
  for (let at = items.length - 1; at >= 0; at--) if (test(items[at] as T)) return at;
  return -1;
}

/** FNV-1a, 32 bits, as 8 hex digits: short, stable call ids. */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let at = 0; at < text.length; at++) h = Math.imul(h ^ text.charCodeAt(at), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}
