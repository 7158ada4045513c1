import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { makeTempDir, type TempDir } from '@tide/harness';
import {
  ArtifactNotStoredError,
  Storage,
  UntrustedArtifactError,
  sha256Digest,
  type RecordedArtifact,
} from '../src/index.js';

/**
 * Reading an artifact a status records (Storage.ownedPath, readOwned, problemWith): only the
 * owner's own file, with a digest, whose bytes match it.
 */
const owner = { kind: 'GitRepository', namespace: 'tenant', name: 'app' };
const own = 'gitrepository/tenant/app/abc.tar.gz';
const ownBytes = Buffer.from('own artifact');
const otherBytes = Buffer.from('another tenant');
const goodDigest = sha256Digest(ownBytes);

interface Row {
  readonly name: string;
  readonly artifact: RecordedArtifact;
  /** What readOwned and problemWith say: the bytes, or which error with which field. */
  readonly want: 'own bytes' | { error: 'untrusted'; field: 'path' | 'digest' } | 'not stored';
}

const rows: readonly Row[] = [
  {
    name: 'its own file with its digest',
    artifact: { path: own, digest: goodDigest, size: ownBytes.length },
    want: 'own bytes',
  },
  {
    name: "another owner's file",
    artifact: { path: 'gitrepository/victim/private/abc.tar.gz', digest: sha256Digest(otherBytes) },
    want: { error: 'untrusted', field: 'path' },
  },
  {
    name: "another kind's file of the same name",
    artifact: { path: 'helmchart/tenant/app/abc.tar.gz', digest: sha256Digest(otherBytes) },
    want: { error: 'untrusted', field: 'path' },
  },
  {
    name: 'a path climbing out of its directory',
    artifact: { path: 'gitrepository/tenant/app/../../victim/private/abc.tar.gz' },
    want: { error: 'untrusted', field: 'path' },
  },
  {
    name: 'a path out of storage',
    artifact: { path: '../outside.tar.gz', digest: sha256Digest(otherBytes) },
    want: { error: 'untrusted', field: 'path' },
  },
  {
    name: 'an absolute path',
    artifact: { path: '/etc/passwd' },
    want: { error: 'untrusted', field: 'path' },
  },
  {
    name: 'a file name storage never writes',
    artifact: { path: 'gitrepository/tenant/app/.tmp-123' },
    want: { error: 'untrusted', field: 'path' },
  },
  {
    name: 'its own file through a link out of storage',
    artifact: { path: 'gitrepository/tenant/linked/abc.tar.gz', digest: sha256Digest(otherBytes) },
    want: { error: 'untrusted', field: 'path' },
  },
  {
    name: 'its own file without a digest',
    artifact: { path: own, size: ownBytes.length },
    want: { error: 'untrusted', field: 'digest' },
  },
  {
    name: 'its own file with another digest',
    artifact: { path: own, digest: sha256Digest(otherBytes), size: ownBytes.length },
    want: { error: 'untrusted', field: 'digest' },
  },
  {
    name: 'its own path, no file',
    artifact: { path: 'gitrepository/tenant/app/gone.tar.gz', digest: goodDigest, size: 1 },
    want: 'not stored',
  },
];

describe('Storage: artifacts recorded in a status', () => {
  let temp: TempDir;
  let storage: Storage;

  beforeAll(async () => {
    temp = await makeTempDir('artifact-owned');
    storage = new Storage({ basePath: join(temp.path, 'data'), advertisedAddress: 'a.test' });
    const write = async (path: string, bytes: Buffer) => {
      await mkdir(dirname(join(temp.path, path)), { recursive: true });
      await writeFile(join(temp.path, path), bytes);
    };
    await write(`data/${own}`, ownBytes);
    await write('data/gitrepository/victim/private/abc.tar.gz', otherBytes);
    await write('data/helmchart/tenant/app/abc.tar.gz', otherBytes);
    await write('outside.tar.gz', otherBytes);
    await write('elsewhere/abc.tar.gz', otherBytes);
    // A link planted in storage: the owner's directory leads out of it.
    await symlink(
      join(temp.path, 'elsewhere'),
      join(temp.path, 'data/gitrepository/tenant/linked'),
    );
  });
  afterAll(() => temp.remove());

  const ownerOf = (row: Row) =>
    row.artifact.path.includes('/linked/') ? { ...owner, name: 'linked' } : owner;

  it.each(rows)('readOwned: $name', async (row) => {
    const read = storage.readOwned(ownerOf(row), row.artifact);
    if (row.want === 'own bytes') {
      expect((await read).equals(ownBytes)).toBe(true);
    } else if (row.want === 'not stored') {
      await expect(read).rejects.toBeInstanceOf(ArtifactNotStoredError);
    } else {
      const error = await read.then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(UntrustedArtifactError);
      expect((error as UntrustedArtifactError).field).toBe(row.want.field);
      expect((error as UntrustedArtifactError).message).toContain(
        `status.artifact.${row.want.field}`,
      );
    }
  });

  it.each(rows)('problemWith: $name', async (row) => {
    const problem = await storage.problemWith(ownerOf(row), row.artifact);
    if (row.want === 'own bytes') expect(problem).toBeUndefined();
    else if (row.want === 'not stored') expect(problem).toBeInstanceOf(ArtifactNotStoredError);
    else {
      expect(problem).toBeInstanceOf(UntrustedArtifactError);
      expect((problem as UntrustedArtifactError).field).toBe(row.want.field);
    }
  });

  it('names the path the owner would have in a refusal', () => {
    expect(() =>
      storage.ownedPath(owner, { path: 'gitrepository/victim/private/abc.tar.gz' }),
    ).toThrow(
      'status.artifact.path "gitrepository/victim/private/abc.tar.gz" of GitRepository tenant/app is not where its artifacts are stored ("gitrepository/tenant/app/abc.tar.gz")',
    );
  });
});
