/** Helpers of the chat-model tests: a request, event collection, the text of a stream. */
import type { ModelEvent, ModelRequest, ModelToolSpec } from '../../src/sdk/agent/model/model-provider.js';

export const TOOLS: ModelToolSpec[] = [
  {
    name: 'get_weather',
    description: 'Current weather of a place',
    inputSchema: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
  },
  { name: 'run_javascript', description: 'Runs JavaScript', inputSchema: { type: 'object' } },
];

/** A one-message request, with overrides. */
export function request(extra: Partial<ModelRequest> = {}): ModelRequest {
  return { messages: [{ role: 'user', content: 'Hi!' }], tools: [], memories: [], ...extra };
}

/** Every event of a stream. */
export async function collect(stream: AsyncIterable<ModelEvent>): Promise<ModelEvent[]> {
  const events: ModelEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

/** The events seen before the stream failed, and the failure; throws if it did not fail. */
export async function collectUntilError(
  stream: AsyncIterable<ModelEvent>,
): Promise<{ events: ModelEvent[]; error: unknown }> {
  const events: ModelEvent[] = [];
  try {
    for await (const event of stream) events.push(event);
  } catch (error) {
    return { events, error };
  }
  throw new Error(`expected the stream to fail, got ${JSON.stringify(events)}`);
}

/** The tokens of a stream, joined. */
export const text = (events: ModelEvent[]) =>
  events.map((event) => (event.type === 'token' ? event.text : '')).join('');
