import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeName } from '../../src/sdk/stores/objects/fs-object-paths.js';
import { createFsObjectStore } from '../../src/sdk/stores/objects/fs-object-store.js';
import type { ObjectStore } from '../../src/sdk/stores/objects/object-store.js';
import { subjectKey, subjectPrefix } from '../../src/sdk/stores/objects/object-store.js';
import { objectStoreContract } from './object-store.contract.js';
import { allKeys, byteStream, rejects } from './object-store.harness.js';

const roots = new Map<ObjectStore, string>();

objectStoreContract('filesystem', {
  async make() {
    const root = mkdtempSync(join(tmpdir(), 'soma-objects-'));
    const store = createFsObjectStore(root);
    await store.ensureBucket();
    roots.set(store, root);
    return store;
  },
  async destroy(store) {
    await store.close();
    rmSync(roots.get(store) ?? '/nonexistent', { recursive: true, force: true });
    roots.delete(store);
  },
  unreachable: {
    notApplicable:
      'the filesystem adapter has no network engine; its I/O errors are typed in the tests below',
  },
});

/** Every file and directory under `dir`, relative to it. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map(String).sort();
}

describe('filesystem ObjectStore: on disk', () => {
  let sandbox = '';
  let root = '';
  let store: ObjectStore;
  beforeEach(async () => {
    sandbox = mkdtempSync(join(tmpdir(), 'soma-objects-sandbox-'));
    root = join(sandbox, 'root');
    store = createFsObjectStore(root);
    await store.ensureBucket();
  });
  afterEach(async () => {
    await store.close();
    rmSync(sandbox, { recursive: true, force: true });
  });

  it('no traversal attempt creates or reads anything outside the root', async () => {
    writeFileSync(join(sandbox, 'secret'), 'outside');
    for (const key of [
      '../secret',
      '../../x',
      'a/../../secret',
      '/etc/passwd',
      `${sandbox}/secret`.slice(1),
    ]) {
      await store.put(key, 'evil').catch(() => undefined);
      await store.getBytes(key).then(
        (bytes) => expect(bytes.toString()).not.toBe('outside'),
        () => undefined,
      );
    }
    for (const key of ['%2e%2e/secret', '..%2fsecret', '%2E%2E/%2E%2E/x']) await store.put(key, 'contained');
    expect(readdirSync(sandbox).sort()).toEqual(['root', 'secret']);
    expect(readFileSync(join(sandbox, 'secret'), 'utf8')).toBe('outside');
    const onDisk = tree(root).filter(
      (path) => !path.startsWith('objects') && !['config', 'staging'].includes(path),
    );
    expect(onDisk).toEqual([]);
  });

  it('refuses a symbolic link planted inside the store, writing nothing where it points', async () => {
    const outside = join(sandbox, 'outside');
    mkdirSync(outside);
    mkdirSync(join(root, 'objects'), { recursive: true });
    symlinkSync(outside, join(root, 'objects', 'tenants'));
    const key = subjectKey('t1', 'alice', 'doc');
    // Make the key exist where the link points, so a store that followed it would find something to read.
    const planted = join(outside, 't1', 'subjects', 'alice', 'doc');
    mkdirSync(planted, { recursive: true });
    writeFileSync(
      join(planted, '.v-null.json'),
      JSON.stringify({ key, versionId: 'null', seq: 1, data: '.d-x' }),
    );
    writeFileSync(join(planted, '.d-x'), 'outside data');
    await rejects(store.put(key, 'x'), 'SomaError', 'OBJECT_STORE_UNSAFE_PATH');
    await rejects(store.head(key), 'SomaError', 'OBJECT_STORE_UNSAFE_PATH');
    await rejects(store.list('tenants/'), 'SomaError', 'OBJECT_STORE_UNSAFE_PATH');
    await rejects(store.deletePrefix(subjectPrefix('t1', 'alice')), 'SomaError', 'OBJECT_STORE_UNSAFE_PATH');
    await rejects(store.getBytes(key), 'SomaError', 'OBJECT_STORE_UNSAFE_PATH');
    expect(tree(outside)).toEqual([
      't1',
      't1/subjects',
      't1/subjects/alice',
      't1/subjects/alice/doc',
      't1/subjects/alice/doc/.d-x',
      't1/subjects/alice/doc/.v-null.json',
    ]);
    expect(readFileSync(join(planted, '.d-x'), 'utf8')).toBe('outside data');
    expect(readdirSync(join(root, 'staging'))).toEqual([]);
  });

  it('leaves no temporary files, keeps metadata and tags in a JSON record, stages failed bodies away', async () => {
    const key = subjectKey('t1', 'alice', 'a.json');
    await store.put(key, '{"a":1}', {
      contentType: 'application/json',
      metadata: { m: '1' },
      tags: { t: 'v' },
    });
    await store.put(key, '{"a":2}', { metadata: { m: '2' } });
    await rejects(
      store.put(subjectKey('t1', 'alice', 'b'), byteStream(1 << 20, { failAfter: 1 << 18 })),
      'Error',
    );
    const files = tree(root);
    expect(files.filter((path) => path.includes('.tmp-'))).toEqual([]);
    expect(readdirSync(join(root, 'staging'))).toEqual([]);
    const dir = join(root, 'objects', 'tenants', 't1', 'subjects', 'alice', 'a.json');
    const names = readdirSync(dir).sort();
    expect(names.filter((name) => name.startsWith('.d-'))).toHaveLength(1);
    expect(names.filter((name) => name.startsWith('.v-'))).toEqual(['.v-null.json']);
    const record = JSON.parse(readFileSync(join(dir, '.v-null.json'), 'utf8'));
    expect(record).toMatchObject({ key, metadata: { m: '2' }, tags: {}, size: 7, deleteMarker: false });
  });

  it('erasure leaves no file or directory named after the person', async () => {
    await store.setVersioning(true);
    await store.put(subjectKey('t1', 'alice', 'x/y/z.bin'), 'one');
    await store.put(subjectKey('t1', 'alice', 'x/y/z.bin'), 'two');
    await store.put(subjectKey('t1', 'alice2', 'keep'), 'keep');
    await store.deleteAllVersions(subjectPrefix('t1', 'alice'));
    const paths = tree(join(root, 'objects'));
    expect(paths.filter((path) => path.split('/').includes('alice'))).toEqual([]);
    expect(paths).toContain(join('tenants', 't1', 'subjects', 'alice2', 'keep'));
  });

  it('maps names so case-folding or normalizing filesystems never merge two keys', async () => {
    expect(encodeName('Alice').toLowerCase()).not.toBe(encodeName('alice').toLowerCase());
    expect(encodeName('é')).toBe('%C3%A9');
    expect(encodeName('e\u0301')).not.toBe(encodeName('é'));
    expect(encodeName('.hidden')).toBe('%2Ehidden');
    expect(encodeName('a%2Fb')).toBe('a%252%46b');
    for (const subject of ['Alice', 'alice', 'ALICE', 'é', 'e\u0301']) {
      await store.put(subjectKey('t1', subject, 'f'), subject);
    }
    for (const subject of ['Alice', 'alice', 'ALICE', 'é', 'e\u0301']) {
      expect((await store.getBytes(subjectKey('t1', subject, 'f'))).toString()).toBe(subject);
    }
  });

  it('stores segments too long for a filename under a hashed name, listed by their real key', async () => {
    const subject = 'é'.repeat(40);
    const long = `${'z'.repeat(150)}/${'ü'.repeat(60)}.bin`;
    const key = subjectKey('t1', subject, long);
    await store.put(key, 'long');
    await store.put(subjectKey('t1', 'éé', 'f'), 'neighbour');
    expect(tree(join(root, 'objects')).filter((path) => path.includes('~')).length).toBeGreaterThan(0);
    expect(await allKeys(store, subjectPrefix('t1', subject))).toEqual([key]);
    expect((await store.getBytes(key)).toString()).toBe('long');
    expect(await store.deletePrefix(subjectPrefix('t1', subject))).toBe(1);
    expect(await allKeys(store, 'tenants/')).toEqual([subjectKey('t1', 'éé', 'f')]);
    expect(tree(join(root, 'objects')).filter((path) => path.includes('~'))).toEqual([]);
  });

  it('concurrent writers of one key leave one intact object and no orphaned data', async () => {
    const key = subjectKey('t1', 'alice', 'race.bin');
    const bodies = Array.from({ length: 16 }, (_, i) => Buffer.alloc(4096 + i, i));
    await Promise.all(bodies.map((body) => store.put(key, body)));
    const final = await store.getBytes(key);
    expect(bodies.some((body) => body.equals(final))).toBe(true);
    const dir = join(root, 'objects', 'tenants', 't1', 'subjects', 'alice', 'race.bin');
    expect(readdirSync(dir).filter((name) => name.startsWith('.d-'))).toHaveLength(1);
  });

  it('puts beside concurrent deletes in the same folder are never lost', async () => {
    const work: Promise<unknown>[] = [];
    for (let i = 0; i < 20; i++) {
      work.push(store.put(`f/g/keep-${i}`, `k${i}`));
      work.push(store.put(`f/g/h/drop-${i}`, 'd').then(() => store.delete(`f/g/h/drop-${i}`)));
    }
    await Promise.all(work);
    expect(await allKeys(store, 'f/')).toEqual(
      Array.from({ length: 20 }, (_, i) => `f/g/keep-${i}`).sort((a, b) =>
        Buffer.compare(Buffer.from(a), Buffer.from(b)),
      ),
    );
    expect(existsSync(join(root, 'objects', 'f', 'g', 'h'))).toBe(false);
  });

  it('a root that is not a directory gives a typed error naming it', async () => {
    const file = join(sandbox, 'plain-file');
    writeFileSync(file, 'x');
    const broken = createFsObjectStore(join(file, 'objects'));
    const error = await rejects(broken.put('a/b', 'x'), 'SomaError', 'OBJECT_STORE_FAILED');
    expect(error.message).toContain(join(file, 'objects'));
    expect(relative(sandbox, file)).toBe('plain-file');
  });
});
