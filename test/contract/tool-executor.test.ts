import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFsObjectStore } from '../../src/sdk/stores/objects/fs-object-store.js';
import type { ObjectStore } from '../../src/sdk/stores/objects/object-store.js';
import { toolExecutorContract } from './tool-executor.contract.js';

const roots = new Map<ObjectStore, string>();

toolExecutorContract('the filesystem', {
  async make() {
    const root = mkdtempSync(join(tmpdir(), 'soma-tools-'));
    const store = createFsObjectStore(root);
    await store.ensureBucket();
    roots.set(store, root);
    return store;
  },
  async destroy(store) {
    await store.close();
    rmSync(roots.get(store) as string, { recursive: true, force: true });
  },
  broken() {
    // A root that is a regular file (inside the suite's store, removed with it): every write fails.
    const file = join([...roots.values()][0] as string, 'not-a-directory');
    writeFileSync(file, 'x');
    return createFsObjectStore(file);
  },
  brokenCode: /^OBJECT_STORE_FAILED$/,
  uriOf: (_store, key) => `objectstore:${key}`,
});
