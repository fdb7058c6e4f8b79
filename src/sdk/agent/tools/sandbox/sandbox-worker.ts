/**
 * Entry point of a sandbox worker thread: loads the interpreter once, then runs one script per `run`
 * message and answers `done`. The main thread kills this thread when a script outlives its deadline.
 */

import { parentPort, workerData } from 'node:worker_threads';
import { loadSandboxModule, runScript } from './run-script.js';
import type { SandboxLimits } from './sandbox-limits.js';
import type { RunMessage, WorkerMessage } from './sandbox-protocol.js';

const port = parentPort;
if (!port) throw new Error('sandbox-worker runs only as a worker thread');
const { limits } = workerData as { limits: SandboxLimits };

const module = await loadSandboxModule(limits);
// One throwaway script compiles the interpreter's hot paths before the first real one is timed, and one
// turn of the event loop lets the engine finish the WebAssembly work it defers (measured: 200-400 ms on
// the first turn after loading), so `ready` means a script starts at once.
runScript(module, '0', limits);
await new Promise((resolve) => setTimeout(resolve, 0));

port.on('message', (message: RunMessage) => {
  const { outcome, recycle } = runScript(module, message.code, limits);
  // With `recycle` the pool ends this thread and its possibly damaged interpreter, and starts another.
  port.postMessage({ type: 'done', id: message.id, outcome, recycle } satisfies WorkerMessage);
});
port.postMessage({ type: 'ready' } satisfies WorkerMessage);
