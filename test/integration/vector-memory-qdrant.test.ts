/**
 * The VectorMemory contract against a real Qdrant (SOMA_TEST_QDRANT_URL, or a container where Docker runs).
 * Every store gets its own random collection, deleted afterwards. Without a Qdrant the suite prints one skip
 * line; the request/response mapping is still covered by test/contract/vector-memory.qdrant-replay.test.ts.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll } from 'vitest';
import { createQdrantClient } from '../../src/sdk/engines/qdrant.js';
import {
  createQdrantVectorMemory,
  openQdrantVectorMemory,
} from '../../src/sdk/stores/vector-memory/qdrant-vector-memory.js';
import { vectorMemoryContract } from '../contract/vector-memory.contract.js';
import { describeWithService, randomName } from '../support/services.js';

/** A port that was free a moment ago: connecting to it is refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describeWithService('qdrant', 'VectorMemory on Qdrant', (address) => {
  const collections: string[] = [];
  const connection = () => ({
    url: address(),
    apiKey: undefined,
    connectTimeoutMs: 5_000,
    requestTimeoutMs: 30_000,
  });

  afterAll(async () => {
    const client = createQdrantClient(connection());
    for (const collection of collections) await client.deleteCollection(collection).catch(() => {});
  });

  vectorMemoryContract(
    'qdrant',
    async (dimensions) => {
      const collection = randomName('soma-vm');
      collections.push(collection);
      return openQdrantVectorMemory(connection(), { collection, dimensions });
    },
    {
      unreachable: async () => {
        const url = `http://127.0.0.1:${await closedPort()}`;
        const store = createQdrantVectorMemory(
          { url, apiKey: undefined, connectTimeoutMs: 2_000, requestTimeoutMs: 5_000 },
          { collection: 'soma_memory', dimensions: 4 },
        );
        return { store, address: url };
      },
    },
  );
});
