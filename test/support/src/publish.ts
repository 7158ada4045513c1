import { createHash } from 'node:crypto';
import { GitRepositoryGVK } from '@tide/api';
import { buildTarball } from '@tide/artifact';
import { PatchType, type Artifact, type KindRef } from '@tide/kube';
import type { ControllerEnvironment } from './environment.js';

/** A source object tests publish artifacts for, as source-controller would. */
export interface SourceRef {
  readonly kind: KindRef;
  readonly name: string;
}

/**
 * Where artifacts are published: a storage its artifact server serves, and the namespace and
 * API client of the source objects. A ControllerEnvironment is one; a test that runs a
 * controller as its own process builds one from its own storage.
 */
export type PublishTarget = Pick<ControllerEnvironment, 'client' | 'storage' | 'namespace'>;

/**
 * Publishes `files` as the artifact of `source`: writes a deterministic tarball with
 * @tide/artifact into the target's storage (served by its artifact server) and patches
 * the source's `status.artifact` and `Ready` condition as source-controller does. No
 * source-controller runs: consumers' tests see exactly what they would see from it (Flux's
 * own controller tests do the same).
 */
export async function publishArtifact(
  env: PublishTarget,
  source: SourceRef,
  files: Readonly<Record<string, string>>,
  revision: string,
): Promise<Artifact> {
  const tarball = buildTarball(
    Object.entries(files).map(([path, content]) => ({
      path,
      type: 'file' as const,
      content: Buffer.from(content),
    })),
  );
  const digest = createHash('sha256').update(tarball).digest('hex');
  const owner = { kind: source.kind.kind, namespace: env.namespace, name: source.name };
  const artifact = await env.storage.store(owner, `${digest}.tar.gz`, tarball, { revision });
  const live = await env.client.get(source.kind, env.namespace, source.name);
  await env.client.patch(
    source.kind,
    { namespace: env.namespace, name: source.name },
    {
      status: {
        observedGeneration: live.metadata.generation ?? 1,
        artifact,
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            observedGeneration: live.metadata.generation ?? 1,
            lastTransitionTime: artifact.lastUpdateTime,
            reason: 'Succeeded',
            message: `stored artifact for revision '${revision}'`,
          },
        ],
      },
    },
    { type: PatchType.Merge, subresource: 'status' },
  );
  return artifact;
}

/** A GitRepository whose commits a test makes by publishing their artifacts. */
export interface PublishedGitRepository {
  readonly name: string;
  /** The id of the newest commit; its artifact's revision is `main@sha1:<id>`. */
  head(): string;
  /** Changes files (`null` removes one), publishes the new tree and returns its commit id. */
  commit(changes: Readonly<Record<string, string | null>>, message?: string): Promise<string>;
}

/**
 * Creates GitRepository `name` (pointing nowhere: nothing fetches it) and publishes `files` as
 * its first commit's artifact.
 */
export async function publishGitRepository(
  env: ControllerEnvironment,
  name: string,
  options: { readonly files: Readonly<Record<string, string>> },
): Promise<PublishedGitRepository> {
  await env.apply(GitRepositoryGVK, {
    apiVersion: GitRepositoryGVK.apiVersion,
    kind: GitRepositoryGVK.kind,
    metadata: { name },
    spec: { interval: '1h', url: `https://git.invalid/${name}`, ref: { branch: 'main' } },
  });
  const tree = new Map(Object.entries(options.files));
  let head = '';
  let parent = '';
  const publish = async (message: string) => {
    head = commitId(parent, message, tree);
    parent = head;
    await publishArtifact(
      env,
      { kind: GitRepositoryGVK, name },
      Object.fromEntries(tree),
      `main@sha1:${head}`,
    );
    return head;
  };
  await publish('initial');
  return {
    name,
    head: () => head,
    async commit(changes, message = 'change') {
      for (const [path, content] of Object.entries(changes)) {
        if (content === null) tree.delete(path);
        else tree.set(path, content);
      }
      return publish(message);
    },
  };
}

/** A 40-hex id that differs for every commit, as a Git commit id does. */
function commitId(parent: string, message: string, tree: ReadonlyMap<string, string>): string {
  const hash = createHash('sha1').update(`${parent}\n${message}\n`);
  for (const [path, content] of [...tree].sort(([a], [b]) => (a < b ? -1 : 1)))
    hash.update(`${path}\0${content}\0`);
  return hash.digest('hex');
}
