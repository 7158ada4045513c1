import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { join, posix } from 'node:path';
import { sha256Digest } from './digest.js';
import { isInsideRoot, physicalPath } from './paths.js';
import type { Artifact as StatusArtifact } from '@tide/kube';

/**
 * An artifact as storage writes it: the status type of libs/kube with what Flux's older
 * versions may leave out (digest, size) always present.
 */
export type Artifact = Readonly<
  Omit<StatusArtifact, 'digest' | 'size' | 'metadata'> & {
    readonly digest: string;
    readonly size: number;
    readonly metadata?: Readonly<Record<string, string>>;
  }
>;

/** Which object an artifact belongs to. `kind` is lower-cased in paths, as Flux does. */
export interface ArtifactOwner {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

export interface StorageOptions {
  /** Where artifacts live on disk (`--storage-path`). */
  readonly basePath: string;
  /** Host[:port] consumers reach the artifact server at (`--storage-adv-addr`). */
  readonly advertisedAddress: string;
  /** How many artifacts to keep per object (`--artifact-retention-records`). */
  readonly retentionRecords?: number;
}

export class StorageError extends Error {
  override readonly name: string = 'StorageError';
}

/** Which field of a recorded artifact storage refuses to trust. */
export type UntrustedArtifactField = 'path' | 'digest';

/**
 * A recorded artifact (from an object's status, which anyone allowed to write `*\/status` can
 * change) that is not its owner's own: a path that is not where storage keeps the owner's
 * files, or a digest that is missing or does not match the stored bytes.
 */
export class UntrustedArtifactError extends StorageError {
  override readonly name = 'UntrustedArtifactError';
  constructor(
    readonly field: UntrustedArtifactField,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A recorded artifact whose path is the owner's own, but whose file is not in storage (yet). */
export class ArtifactNotStoredError extends StorageError {
  override readonly name = 'ArtifactNotStoredError';
}

/** The fields of a recorded artifact that storage checks before reading it. */
export type RecordedArtifact = Readonly<Pick<StatusArtifact, 'path' | 'digest' | 'size'>>;

const namePattern = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/**
 * Artifact storage on a local directory, laid out as `<kind>/<namespace>/<name>/<file>`.
 * Writes are atomic (temp file + rename), so the HTTP server never serves half a file.
 */
export class Storage {
  readonly basePath: string;
  readonly advertisedAddress: string;
  readonly retentionRecords: number;

  constructor(options: StorageOptions) {
    this.basePath = options.basePath;
    this.advertisedAddress = options.advertisedAddress;
    this.retentionRecords = options.retentionRecords ?? 2;
    if (!Number.isInteger(this.retentionRecords) || this.retentionRecords < 1) {
      throw new StorageError(
        `artifact retention records must be a whole number of at least 1, got ${this.retentionRecords}`,
      );
    }
  }

  /** Creates the storage directory if needed and checks it is writable. */
  async init(): Promise<void> {
    await mkdir(this.basePath, { recursive: true });
    const probe = join(this.basePath, `.probe-${randomBytes(4).toString('hex')}`);
    await writeFile(probe, '');
    await rm(probe);
  }

  /** The relative path of a file of an owner, validating each part. */
  relativePath(owner: ArtifactOwner, file: string): string {
    if (!/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(file)) {
      throw new StorageError(`invalid artifact file name ${JSON.stringify(file)}`);
    }
    return `${this.ownerPath(owner)}/${file}`;
  }

  /** The relative directory of an owner's artifacts, validating its namespace and name. */
  private ownerPath(owner: ArtifactOwner): string {
    for (const [what, value] of [
      ['namespace', owner.namespace],
      ['name', owner.name],
    ] as const) {
      if (!namePattern.test(value))
        throw new StorageError(`invalid ${what} ${JSON.stringify(value)} for an artifact path`);
    }
    return `${owner.kind.toLowerCase()}/${owner.namespace}/${owner.name}`;
  }

  /** The URL consumers download an artifact path from. */
  urlFor(path: string): string {
    return `http://${this.advertisedAddress}/${path}`;
  }

  /**
   * Stores `content` as `file` of `owner`, atomically, and returns the artifact record.
   * Older artifacts of the owner beyond the retention count are garbage-collected.
   */
  async store(
    owner: ArtifactOwner,
    file: string,
    content: Uint8Array,
    details: { revision: string; metadata?: Readonly<Record<string, string>> },
  ): Promise<Artifact> {
    const path = this.relativePath(owner, file);
    const target = join(this.basePath, path);
    const dir = join(target, '..');
    try {
      await mkdir(dir, { recursive: true });
      const temp = join(dir, `.tmp-${randomBytes(6).toString('hex')}`);
      await writeFile(temp, content);
      await rename(temp, target);
    } catch (error) {
      throw new StorageError(`storing artifact ${path}: ${errorMessage(error)}`, { cause: error });
    }
    const artifact = this.record(path, sha256Digest(content), content.length, details);
    await this.garbageCollect(owner, [file]);
    return artifact;
  }

  private record(
    path: string,
    digest: string,
    size: number,
    details: { revision: string; metadata?: Readonly<Record<string, string>> },
  ): Artifact {
    return {
      path,
      url: this.urlFor(path),
      revision: details.revision,
      digest,
      lastUpdateTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      size,
      ...(details.metadata === undefined ? {} : { metadata: details.metadata }),
    };
  }

  /**
   * Stores what `write` streams into the sink it is given, without holding it in memory; the
   * file is named from the content's digest (`nameFor`), so it is written to a temporary file,
   * hashed on the way, and renamed once complete. A failed write leaves nothing behind.
   */
  async storeStreamed(
    owner: ArtifactOwner,
    nameFor: (digest: string) => string,
    write: (sink: Writable) => Promise<void>,
    details: { revision: string; metadata?: Readonly<Record<string, string>> },
  ): Promise<Artifact> {
    const dir = join(this.basePath, this.ownerPath(owner));
    const temp = join(dir, `.tmp-${randomBytes(6).toString('hex')}`);
    const hash = createHash('sha256');
    let size = 0;
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    let path: string;
    try {
      await mkdir(dir, { recursive: true });
      const file = createWriteStream(temp);
      await Promise.all([write(hashing), pipeline(hashing, file)]);
      const digest = `sha256:${hash.digest('hex')}`;
      const name = nameFor(digest);
      path = this.relativePath(owner, name);
      await rename(temp, join(this.basePath, path));
      const artifact = this.record(path, digest, size, details);
      await this.garbageCollect(owner, [name]);
      return artifact;
    } catch (error) {
      await rm(temp, { force: true });
      if (error instanceof StorageError) throw error;
      throw new StorageError(
        `storing artifact of ${owner.kind} ${owner.namespace}/${owner.name}: ${errorMessage(error)}`,
        { cause: error },
      );
    }
  }

  /**
   * True when the artifact's file is in storage with the recorded size. For records storage
   * wrote itself; a record read from a status goes through ownedPath or problemWith.
   */
  async has(artifact: Pick<Artifact, 'path' | 'size'>): Promise<boolean> {
    const path = join(this.basePath, artifact.path);
    if (!isInsideRoot(this.basePath, path)) return false;
    try {
      const info = await stat(path);
      return info.isFile() && info.size === artifact.size;
    } catch {
      return false;
    }
  }

  /**
   * The absolute path of a recorded artifact of `owner`, after checking that the record's
   * path is exactly where storage keeps that file of that owner
   * (`<kind>/<namespace>/<name>/<basename>`): another owner's file, a `..` path or a path
   * that a link leads out of storage is refused with UntrustedArtifactError (field `path`).
   * Nothing on disk is read but the links along the owner's own directory.
   */
  ownedPath(owner: ArtifactOwner, artifact: Pick<RecordedArtifact, 'path'>): string {
    const claimed = artifact.path;
    const expected = this.expectedPath(owner, claimed);
    const who = `${owner.kind} ${owner.namespace}/${owner.name}`;
    if (expected === undefined || claimed !== expected) {
      const want = expected ?? `${this.ownerPathOrKind(owner)}/<file>`;
      throw new UntrustedArtifactError(
        'path',
        `status.artifact.path ${JSON.stringify(claimed)} of ${who} is not where its artifacts are stored (${JSON.stringify(want)})`,
      );
    }
    const physical = physicalPath(this.basePath, expected);
    if (physical === undefined || !isInsideRoot(this.basePath, physical)) {
      throw new UntrustedArtifactError(
        'path',
        `status.artifact.path ${JSON.stringify(claimed)} of ${who} leads out of artifact storage through a link`,
      );
    }
    return join(this.basePath, expected);
  }

  /**
   * The bytes of a recorded artifact of `owner`: its path checked as ownedPath does, its
   * digest required and compared with the bytes read. A file that is not there (yet) is an
   * ArtifactNotStoredError; every other refusal an UntrustedArtifactError.
   */
  async readOwned(owner: ArtifactOwner, artifact: RecordedArtifact): Promise<Buffer> {
    const path = this.ownedPath(owner, artifact);
    const digest = requireDigest(owner, artifact);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (error) {
      throw new ArtifactNotStoredError(
        `artifact ${artifact.path} of ${owner.kind} ${owner.namespace}/${owner.name} is not in storage: ${errorMessage(error)}`,
        { cause: error },
      );
    }
    const actual = sha256Digest(bytes);
    if (actual !== digest) throw digestMismatch(owner, artifact.path, digest, actual);
    return bytes;
  }

  /**
   * Why a recorded artifact of `owner` cannot be kept as it is, or undefined when it can:
   * its path must be the owner's own and its digest recorded (else UntrustedArtifactError),
   * its file present with the recorded size (else ArtifactNotStoredError), and the file's
   * digest equal to the record's (hashed while streaming, never held in memory).
   */
  async problemWith(
    owner: ArtifactOwner,
    artifact: RecordedArtifact,
  ): Promise<UntrustedArtifactError | ArtifactNotStoredError | undefined> {
    let path: string;
    let digest: string;
    try {
      path = this.ownedPath(owner, artifact);
      digest = requireDigest(owner, artifact);
    } catch (error) {
      if (error instanceof UntrustedArtifactError) return error;
      throw error;
    }
    let actual: string;
    try {
      const info = await stat(path);
      if (!info.isFile() || info.size !== artifact.size)
        return new ArtifactNotStoredError(
          `artifact ${artifact.path} is not in storage with the recorded size ${String(artifact.size)}`,
        );
      const hash = createHash('sha256');
      await pipeline(createReadStream(path), hash);
      actual = `sha256:${hash.digest('hex')}`;
    } catch (error) {
      return new ArtifactNotStoredError(
        `artifact ${artifact.path} is not in storage: ${errorMessage(error)}`,
        { cause: error },
      );
    }
    return actual === digest ? undefined : digestMismatch(owner, artifact.path, digest, actual);
  }

  /** Where storage would keep the file a recorded path names, or undefined if it never could. */
  private expectedPath(owner: ArtifactOwner, claimed: string): string | undefined {
    try {
      return this.relativePath(owner, posix.basename(claimed));
    } catch {
      return undefined;
    }
  }

  private ownerPathOrKind(owner: ArtifactOwner): string {
    try {
      return this.ownerPath(owner);
    } catch {
      return owner.kind.toLowerCase();
    }
  }

  /**
   * Keeps the newest `retentionRecords` files of an owner (always keeping `keep`) and
   * removes the rest; returns the removed relative paths.
   */
  async garbageCollect(owner: ArtifactOwner, keep: readonly string[] = []): Promise<string[]> {
    const dir = join(this.basePath, this.ownerPath(owner));
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return [];
    }
    const files = await Promise.all(
      names.map(async (name) => ({ name, mtime: (await stat(join(dir, name))).mtimeMs })),
    );
    const kept = new Set(keep);
    // Dot files are writes in progress (or left by a crash); they are not artifacts.
    const newestFirst = files
      .filter((f) => !kept.has(f.name) && !f.name.startsWith('.'))
      .sort((a, b) => b.mtime - a.mtime);
    const room = Math.max(0, this.retentionRecords - kept.size);
    const doomed = newestFirst.slice(room);
    await Promise.all(doomed.map((f) => rm(join(dir, f.name), { force: true })));
    return doomed.map(
      (f) => `${owner.kind.toLowerCase()}/${owner.namespace}/${owner.name}/${f.name}`,
    );
  }

  /** Removes every artifact of an owner (its object was deleted). */
  async removeAll(owner: ArtifactOwner): Promise<void> {
    const dir = join(this.basePath, this.ownerPath(owner));
    await rm(dir, { recursive: true, force: true });
  }
}

function requireDigest(owner: ArtifactOwner, artifact: RecordedArtifact): string {
  if (artifact.digest === undefined || artifact.digest === '') {
    throw new UntrustedArtifactError(
      'digest',
      `status.artifact.digest of ${owner.kind} ${owner.namespace}/${owner.name} is missing (an artifact is only read with a digest to verify)`,
    );
  }
  return artifact.digest;
}

function digestMismatch(
  owner: ArtifactOwner,
  path: string,
  want: string,
  got: string,
): UntrustedArtifactError {
  return new UntrustedArtifactError(
    'digest',
    `status.artifact.digest of ${owner.kind} ${owner.namespace}/${owner.name} does not match its stored file ${path}: want ${want}, got ${got}`,
  );
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
