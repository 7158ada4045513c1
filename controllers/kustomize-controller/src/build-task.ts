import type { Kustomization } from '@tide/api';
import type { Manifest } from '@tide/kube';
import { SubstitutionError } from '@tide/kustomization';
import { KustomizeError, RemoteResourcesOff } from '@tide/kustomize';

/**
 * What crosses the thread boundary between the build pool and a build worker: one render
 * per task, its objects back, or its error as data. Errors lose their class when they are
 * cloned between threads, so each kind the reconciler maps to a condition travels as a
 * tagged record and is made again on the main thread.
 */

/** What one build renders: the same for the pool's callers and, with an id, for a worker. */
export interface BuildInput {
  readonly obj: Kustomization;
  /** The Kustomization's directory inside the extracted artifact. */
  readonly dir: string;
  /** The artifact root: no path of the build may resolve outside it. */
  readonly confinementRoot: string;
  /** The post-build variables, read on the main thread; undefined: no post-build step. */
  readonly variables: ReadonlyMap<string, string> | undefined;
  readonly strictSubstitutions: boolean;
  readonly remoteBases: boolean;
}

export interface BuildTask extends BuildInput {
  readonly id: number;
}

/** A build's objects and the digest of their JSON (computed in the worker, off the event loop). */
export interface BuildOutput {
  readonly objects: Manifest[];
  readonly digest: string;
}

export type BuildErrorData =
  | {
      readonly kind: 'RemoteResourcesOff';
      readonly origin: string;
      readonly address: string;
    }
  | { readonly kind: 'KustomizeError' | 'SubstitutionError'; readonly message: string }
  | { readonly kind: 'Error'; readonly name: string; readonly message: string };

export type BuildReply =
  | { readonly id: number; readonly ok: true; readonly output: BuildOutput }
  | { readonly id: number; readonly ok: false; readonly error: BuildErrorData };

/** A worker's first message: its modules are loaded, a build's time starts counting now. */
export interface WorkerReady {
  readonly ready: true;
}

/** The error a render threw, as data a worker can post. */
export function errorData(error: unknown): BuildErrorData {
  if (error instanceof RemoteResourcesOff)
    return { kind: 'RemoteResourcesOff', origin: error.origin, address: error.address };
  if (error instanceof KustomizeError) return { kind: 'KustomizeError', message: error.message };
  if (error instanceof SubstitutionError)
    return { kind: 'SubstitutionError', message: error.message };
  if (error instanceof Error) return { kind: 'Error', name: error.name, message: error.message };
  return { kind: 'Error', name: 'Error', message: String(error) };
}

/** The typed error again, on the main thread. */
export function errorFromData(data: BuildErrorData): Error {
  switch (data.kind) {
    case 'RemoteResourcesOff':
      return new RemoteResourcesOff(data.origin, data.address);
    case 'KustomizeError':
      return new KustomizeError(data.message);
    case 'SubstitutionError':
      return new SubstitutionError(data.message);
    case 'Error':
      return new Error(`build: ${data.name}: ${data.message}`);
  }
}
