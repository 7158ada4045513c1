/**
 * What `tide build kustomization` and `tide diff kustomization` render from: the local
 * directory (`--path`), the Kustomization whose spec shapes the build (from the cluster or
 * from `--kustomization-file`), and where `postBuild.substituteFrom` data is read.
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { asKustomization, KustomizationGVK, type Kustomization } from '@tide/api';
import { KustomizeError, parseDocuments, type Value } from '@tide/kustomize';
import type { ClusterConnection } from './cluster.js';
import { CommandError } from './command-error.js';
import { isApiError, messageOf } from '@tide/kube';
import { readData, type DataReader } from '@tide/kustomization';

/** The absolute directory `--path` names; it must be an existing directory. */
export async function resolveBuildPath(path: string | undefined): Promise<string> {
  if (path === undefined || path === '')
    throw new CommandError(
      '--path is required: the local directory that matches the Kustomization spec.path',
    );
  const dir = resolve(path);
  const info = await stat(dir).catch(() => undefined);
  if (info?.isDirectory() !== true) throw new CommandError(`--path ${path}: not a directory`);
  return dir;
}

/**
 * The root a local build is confined to, as the controller confines a build to its
 * artifact: the Git work tree holding `dir` (bases may climb to any directory of the
 * repository, as they may in the source's artifact). Outside Git the build is a person's own
 * files and is not confined (the filesystem root), as `kustomize build` does not confine it.
 */
export function buildRoot(dir: string): string {
  for (let at = dir; ; at = dirname(at)) {
    if (existsSync(join(at, '.git'))) return at;
    if (dirname(at) === at) return at;
  }
}

/** The Kustomization NAME in NAMESPACE from the cluster; undefined when there is none. */
export async function getLiveKustomization(
  connection: ClusterConnection,
  name: string,
  namespace: string,
): Promise<Kustomization | undefined> {
  let found: unknown;
  try {
    found = await connection.client().get(KustomizationGVK, namespace, name);
  } catch (error) {
    if (isApiError(error, 404)) return undefined;
    if (error instanceof CommandError) throw error;
    const message = messageOf(error);
    throw new Error(`getting Kustomization ${namespace}/${name}: ${message}`, { cause: error });
  }
  return asKustomization(found);
}

/**
 * The Kustomization NAME from a YAML file of one or more documents, as flux reads it: the
 * first `kustomize.toolkit.fluxcd.io` Kustomization with that name whose namespace is
 * NAMESPACE or unset (then NAMESPACE, where it would be applied).
 */
export async function readKustomizationFile(
  file: string,
  name: string,
  namespace: string,
): Promise<Kustomization> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const message = messageOf(error);
    throw new CommandError(`--kustomization-file ${file}: ${message}`, { cause: error });
  }
  let documents: Value[];
  try {
    documents = parseDocuments(text, file);
  } catch (error) {
    if (!(error instanceof KustomizeError)) throw error;
    throw new CommandError(`--kustomization-file ${error.message}`, { cause: error });
  }
  const candidates = documents.map(toJson).filter(isKustomizationDocument);
  const match = candidates.find(
    (document) =>
      document.metadata?.name === name &&
      textOr(document.metadata.namespace, namespace) === namespace,
  );
  if (match === undefined) {
    const seen = candidates.map(
      (document) =>
        `${textOr(document.metadata?.namespace, '(no namespace)')}/${textOr(document.metadata?.name, '(no name)')}`,
    );
    throw new CommandError(
      `--kustomization-file ${file}: no Kustomization named ${name} in namespace ${namespace}` +
        (seen.length === 0
          ? ' (the file holds no Kustomization)'
          : ` (it holds ${seen.join(', ')})`) +
        '; check NAME and -n/--namespace',
    );
  }
  // Older API versions carry the same spec fields; render reads them as v1.
  return asKustomization({
    ...match,
    apiVersion: KustomizationGVK.apiVersion,
    metadata: { ...match.metadata, namespace },
  });
}

interface KustomizationDocument {
  apiVersion: string;
  kind: string;
  metadata?: { name?: unknown; namespace?: unknown; [field: string]: unknown };
  [field: string]: unknown;
}

function textOr(value: unknown, fallback: string): string {
  return typeof value === 'string' && value !== '' ? value : fallback;
}

function isKustomizationDocument(value: unknown): value is KustomizationDocument {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { apiVersion, kind } = value as Record<string, unknown>;
  return (
    typeof apiVersion === 'string' &&
    apiVersion.startsWith(`${KustomizationGVK.group}/`) &&
    kind === KustomizationGVK.kind
  );
}

/** A YAML value as JSON: integers beyond the YAML reader's bigint become numbers. */
function toJson(value: Value): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(toJson);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, toJson(item)]));
  return value;
}

/**
 * The Kustomization `tide diff` assumes when there is none in the cluster and no file:
 * the directory as it is, no overlay, no substitutions, nothing to prune.
 */
export function newKustomization(name: string, namespace: string, path: string): Kustomization {
  return {
    apiVersion: KustomizationGVK.apiVersion,
    kind: KustomizationGVK.kind,
    metadata: { name, namespace },
    spec: {
      interval: '10m',
      path,
      prune: false,
      sourceRef: { kind: 'GitRepository', name },
    },
  };
}

/**
 * Where `postBuild.substituteFrom` values come from: the Kustomization's namespace in the
 * cluster, as the controller reads them; with `dryRun` nothing is read and every source
 * counts as empty, so its variables take their defaults (or are errors in strict mode), as
 * `flux build --dry-run` does.
 */
export function substituteDataReader(
  connection: ClusterConnection,
  kustomization: Kustomization,
  dryRun: boolean,
): DataReader {
  if (dryRun) return () => Promise.resolve({});
  const namespace = kustomization.metadata.namespace ?? '';
  return async (reference) => {
    try {
      return await readData(connection.client(), namespace, reference);
    } catch (error) {
      if (error instanceof CommandError) throw error;
      const message = messageOf(error);
      throw new Error(
        `reading postBuild.substituteFrom ${reference.kind} ${namespace}/${reference.name}: ${message}`,
        { cause: error },
      );
    }
  };
}

/** What a render cannot show about how the controller treats this Kustomization. */
export function buildNotices(kustomization: Kustomization): string[] {
  if (kustomization.spec.decryption === undefined) return [];
  return [
    `warning: ${subjectOf(kustomization)} sets spec.decryption: kustomize-controller does not ` +
      'decrypt SOPS yet and would not apply it (Ready=False, reason UnsupportedField)',
  ];
}

/** buildNotices, and where the controller's apply differs from the diff's dry run. */
export function diffNotices(kustomization: Kustomization): string[] {
  const { kubeConfig, serviceAccountName } = kustomization.spec;
  return [
    ...buildNotices(kustomization),
    ...(kubeConfig === undefined
      ? []
      : [
          `warning: ${subjectOf(kustomization)} sets spec.kubeConfig: the controller applies to ` +
            "that kubeconfig's cluster; this diff is against the cluster of --kubeconfig/--context",
        ]),
    ...(serviceAccountName === undefined
      ? []
      : [
          `warning: ${subjectOf(kustomization)} sets spec.serviceAccountName: the controller ` +
            `applies as ServiceAccount ${serviceAccountName}; this diff runs with your own credentials`,
        ]),
  ];
}

function subjectOf(kustomization: Kustomization): string {
  return `Kustomization ${kustomization.metadata.namespace ?? ''}/${kustomization.metadata.name ?? ''}`;
}
