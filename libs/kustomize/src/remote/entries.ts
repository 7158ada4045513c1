/**
 * Remote entries of `resources`, `bases` and `components`: which entries kustomize would fetch,
 * where a fetched one lives in its checkout, an http(s) URL read as a resource file, and what
 * origin annotations say of each.
 */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { rootCheckoutDir, type RemoteSource } from '../build-metadata.js';
import { KustomizeError, RemoteResourcesOff } from '../errors.js';
import { resourcesIn } from '../resource.js';
import type { ValueMap } from '../value.js';
import { RemoteNeeded, redactAddress, type RemoteCheckouts } from './checkout.js';
import { parseRepoSpec } from './spec.js';

/**
 * An http(s) resource URL kustomize reads as a file: it is fetched, and an answer that parses as
 * resources is used. Otherwise a URL that names a repository is one (undefined here); any other
 * fails with the HTTP status or the parse error. `remotes` is undefined when fetching is off.
 */
export function remoteFile(
  entry: string,
  origin: string,
  remotes: RemoteCheckouts | undefined,
): ValueMap[] | undefined {
  if (remotes === undefined || !/^https?:\/\//i.test(entry)) return undefined;
  const answer = remotes.answerOf(entry);
  if (answer === undefined)
    throw new RemoteNeeded({ kind: 'file', url: entry }, redactAddress(entry, true), origin);
  const repository = namesRepository(entry, origin);
  if (answer.status !== 200) {
    if (repository) return undefined;
    const why =
      answer.status === 0 ? (answer.error ?? 'no answer') : `status code ${answer.status}`;
    throw new KustomizeError(
      `${origin}: remote resource ${redactAddress(entry)}: HTTP Error: ${why}`,
    );
  }
  try {
    return [...resourcesIn(answer.body, redactAddress(entry))];
  } catch (error) {
    if (repository && error instanceof KustomizeError) return undefined;
    throw error;
  }
}

/**
 * What origin annotations say of a resource file read from a URL: kustomize reads the URL as a
 * repository address where it can (a root address gets `rootCheckoutDir`), else names it.
 */
export function urlSource(url: string): { path: string; repo?: string; ref?: string } {
  try {
    const spec = parseRepoSpec(url, url);
    const path = spec.path === '' ? rootCheckoutDir : spec.path;
    return { path, repo: spec.cloneUrl, ref: spec.ref };
  } catch {
    return { path: url };
  }
}

function namesRepository(entry: string, origin: string): boolean {
  try {
    parseRepoSpec(entry, origin);
    return true;
  } catch {
    return false;
  }
}

/** The directory of a remote kustomization in its checkout, and what its origins say. */
export function remoteRoot(
  entry: string,
  origin: string,
  remotes: RemoteCheckouts | undefined,
): { root: string; source: RemoteSource } {
  const spec = parseRepoSpec(entry, origin);
  if (remotes === undefined) {
    // The address ends up in a condition; its user info (`x-token:…@`) must not.
    throw new RemoteResourcesOff(origin, redactAddress(entry, true));
  }
  const checkout = remotes.directoryOf(spec);
  if (checkout === undefined) {
    throw new RemoteNeeded({ kind: 'repository', spec }, redactAddress(entry, true), origin);
  }
  const directory = join(checkout, spec.path);
  if (!existsSync(directory) || !statSync(directory).isDirectory()) {
    throw new KustomizeError(
      `${origin}: remote resource ${redactAddress(entry)}: no directory '${spec.path}' in ${redactAddress(spec.cloneUrl)}`,
    );
  }
  return {
    root: realpathSync.native(directory),
    source: {
      checkout: realpathSync.native(checkout),
      repo: spec.cloneUrl,
      ref: spec.ref,
      base: spec.path === '' ? rootCheckoutDir : '',
    },
  };
}

/** Builds a level with origin annotations naming the remote source it came from, if any. */
export function inSource(
  session: { remoteSource: RemoteSource | undefined },
  source: RemoteSource | undefined,
  level: () => void,
): void {
  const outer = session.remoteSource;
  session.remoteSource = source ?? outer;
  try {
    level();
  } finally {
    session.remoteSource = outer;
  }
}

/**
 * Whether kustomize would fetch an entry: a URL with a scheme (or go-getter's `git::`), or, when
 * nothing of that name exists locally, an address kustomize parses as a repository
 * (`github.com/org/repo`, `user@host:org/repo`).
 */
export function isRemote(entry: string, root: string): boolean {
  if (/^(git::)?[a-z][a-z0-9+.-]*:\/\//i.test(entry)) return true;
  if (existsSync(resolve(root, entry))) return false;
  return namesRepository(entry, root);
}
