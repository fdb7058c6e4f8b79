import { DeleteBucketCommand } from '@aws-sdk/client-s3';
import { createS3Client, type S3Connection } from '../../src/sdk/engines/s3.js';
import type { ObjectStore } from '../../src/sdk/stores/objects/object-store.js';
import { createS3ObjectStore } from '../../src/sdk/stores/objects/s3-object-store.js';
import { toolExecutorContract } from '../contract/tool-executor.contract.js';
import { describeWithService, randomName, testEnv } from '../support/services.js';

function connection(endpoint: string, bucket: string): S3Connection {
  return {
    endpoint,
    region: testEnv('SOMA_TEST_S3_REGION') ?? 'us-east-1',
    bucket,
    accessKeyId: testEnv('SOMA_TEST_S3_ACCESS_KEY') ?? 'test',
    secretAccessKey: testEnv('SOMA_TEST_S3_SECRET_KEY') ?? 'test',
    forcePathStyle: true,
    connectTimeoutMs: 2000,
    requestTimeoutMs: 10_000,
  };
}

describeWithService('s3', 'ToolExecutor artifacts on S3', (address) => {
  const buckets = new Map<ObjectStore, string>();
  toolExecutorContract('S3', {
    async make() {
      const bucket = randomName('soma-tools');
      const store = createS3ObjectStore(connection(address(), bucket));
      await store.ensureBucket();
      buckets.set(store, bucket);
      return store;
    },
    async destroy(store) {
      const bucket = buckets.get(store) as string;
      await store.deleteAllVersions('tenants/');
      await store.close();
      const client = createS3Client(connection(address(), bucket));
      try {
        await client.send(new DeleteBucketCommand({ Bucket: bucket }));
      } finally {
        client.destroy();
      }
    },
    // Nothing listens on port 1: every request fails to connect.
    broken: () =>
      createS3ObjectStore({ ...connection('http://127.0.0.1:1', 'soma-down'), connectTimeoutMs: 500 }),
    brokenCode: /^UNAVAILABLE$/,
    uriOf: (store, key) => `s3://${buckets.get(store)}/${key}`,
  });
});
