/**
 * somaagent in code: start the runtime on the embedded profile (no services), chat once with a tool call,
 * print the streamed turn, stop.
 *
 *   npx tsx examples/quickstart.ts [DATA_DIR]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, resolveConfig } from 'somaagent';

const dataDir = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'somaagent-quickstart-'));
const { config } = resolveConfig({ env: {}, flags: { dataDir, 'server.port': 0, 'log.level': 'warn' } });
const runtime = createRuntime(config);
await runtime.start();
try {
  const person = { tenant: 'acme', subject: 'ada' };
  const conversation = await runtime.createConversation(person, 'quickstart');
  for await (const event of runtime.send({
    ...person,
    conversationId: conversation.id,
    text: '/run [1, 2, 3].map((x) => x * 2)',
  })) {
    if (event.type === 'tool_start') console.log(`tool ${event.name} started`);
    if (event.type === 'tool_result')
      console.log(`tool ${event.name}: ${event.status} ${JSON.stringify(event.output)}`);
    if (event.type === 'reply') console.log(`reply: ${event.text}`);
    if (event.type === 'error') console.log(`error ${event.code}: ${event.message}`);
  }
  const history = await runtime.messages(person, conversation.id);
  console.log(`history: ${history.length} messages; gateway was at ${runtime.url}`);
} finally {
  await runtime.stop();
}
