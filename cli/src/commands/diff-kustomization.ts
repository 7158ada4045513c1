/** The work of `tide diff kustomization` (see diff.ts), loaded when the command runs. */
import { refOf, type Manifest, type ObjectRef } from '@tide/kube';
import type { Kustomization } from '@tide/api';
import { ReconcileError } from '@tide/runtime';
import {
  Action,
  changeSetEntry,
  diffInventory,
  inventoryOf,
  keepReason,
  type DriftIgnoreRules,
  ResourceManager,
  summarizeChangeSet,
  UnknownKindError,
  type ChangeSetEntry,
  type ObjectDiff,
} from '@tide/ssa';
import type { ClusterFlags } from './cluster-flags.js';
import { ClusterConnection } from './cluster.js';
import { DiffExit } from './diff.js';
import { CommandError } from './command-error.js';
import {
  diffNotices,
  getLiveKustomization,
  newKustomization,
  readKustomizationFile,
  buildRoot,
  resolveBuildPath,
  substituteDataReader,
} from './kustomization-input.js';
import {
  compileDriftIgnoreRules,
  ownerLabelsOf,
  renderKustomization,
  fieldManager,
} from '@tide/kustomization';

export interface DiffKustomizationFlags extends ClusterFlags {
  readonly path?: string;
  readonly kustomizationFile?: string;
  readonly strictSubstitute: boolean;
}

/** What one `tide diff kustomization` run found. */
export interface DiffReport {
  /** The text for stdout: one `►` line per change, diffs under configured objects. */
  readonly output: string;
  /** Lines for stderr: what the diff assumed, and the summary. */
  readonly notices: readonly string[];
  readonly exit: DiffExit;
}

export async function diffKustomization(
  name: string,
  flags: DiffKustomizationFlags,
): Promise<DiffReport> {
  const dir = await resolveBuildPath(flags.path);
  const connection = new ClusterConnection(flags);
  const manager = new ResourceManager({ client: connection.client(), fieldManager });
  try {
    const notices: string[] = [];
    const live = await getLiveKustomization(connection, name, flags.namespace);
    const kustomization = await kustomizationToDiff(name, flags, live, notices);
    notices.push(...diffNotices(kustomization));
    const objects = await renderKustomization(kustomization, dir, {
      readData: substituteDataReader(connection, kustomization, false),
      strictSubstitutions: flags.strictSubstitute,
      remoteBases: true,
      confinementRoot: buildRoot(dir),
    });
    const diffs = await manager.diffAll(objects, {
      force: kustomization.spec.force ?? false,
      ignore: ignoreRulesOf(kustomization),
    });
    const pruned =
      kustomization.spec.prune && live !== undefined
        ? await prunePreview(manager, live, objects)
        : [];
    return report(diffs, pruned, notices);
  } finally {
    connection.close();
  }
}

/**
 * The spec to build with: the file's when given (flux's precedence), else the cluster's;
 * with neither, a new Kustomization with only its path, so a first deploy can be previewed.
 * The inventory to prune from is always the live object's.
 */
async function kustomizationToDiff(
  name: string,
  flags: DiffKustomizationFlags,
  live: Kustomization | undefined,
  notices: string[],
): Promise<Kustomization> {
  if (flags.kustomizationFile !== undefined)
    return readKustomizationFile(flags.kustomizationFile, name, flags.namespace);
  if (live !== undefined) return live;
  notices.push(
    `Kustomization ${flags.namespace}/${name} not found in the cluster: diffing as a new ` +
      'Kustomization without overlay, substitutions or pruning (pass --kustomization-file to use its spec)',
  );
  return newKustomization(name, flags.namespace, flags.path ?? '');
}

/**
 * What the controller's prune would do with the live inventory: objects it lists that the
 * build no longer has, and that exist and carry this Kustomization's owner labels, would be
 * deleted; those annotated to be kept are reported as skipped; those already gone, not at all.
 */
async function prunePreview(
  manager: ResourceManager,
  live: Kustomization,
  objects: readonly Manifest[],
): Promise<ChangeSetEntry[]> {
  const previous = live.status?.inventory?.entries ?? [];
  const stale = diffInventory(previous, inventoryOf(objects.map(refOf)));
  const owner = ownerLabelsOf(live);
  const entries = await Promise.all(
    stale.map(async (ref): Promise<ChangeSetEntry | undefined> => {
      const current = await liveObject(manager, ref);
      if (current === undefined) return undefined;
      const reason = keepReason(current, owner);
      return reason === undefined
        ? changeSetEntry(ref, Action.Deleted)
        : changeSetEntry(ref, Action.Skipped, reason);
    }),
  );
  return entries.filter((entry) => entry !== undefined);
}

/** The object, or undefined when it or its kind is gone. */
async function liveObject(manager: ResourceManager, ref: ObjectRef): Promise<Manifest | undefined> {
  try {
    return await manager.get(ref);
  } catch (error) {
    if (error instanceof UnknownKindError) return undefined;
    throw error;
  }
}

function report(
  diffs: readonly ObjectDiff[],
  pruned: readonly ChangeSetEntry[],
  notices: readonly string[],
): DiffReport {
  const lines: string[] = [];
  for (const diff of diffs) {
    if (diff.action === Action.Unchanged) continue;
    lines.push(headline(diff.subject, diff.action, diff.reason));
    if (diff.action === Action.Configured) lines.push(diff.diff.trimEnd());
  }
  for (const entry of pruned) lines.push(headline(entry.subject, entry.action, entry.reason));
  const entries = [
    ...diffs.map((diff) => changeSetEntry(diff.ref, diff.action)),
    ...pruned.map((entry) => changeSetEntry(entry.ref, entry.action)),
  ];
  const changed = entries.some((entry) =>
    [Action.Created, Action.Configured, Action.Deleted].some((action) => action === entry.action),
  );
  return {
    output: lines.map((line) => `${line}\n`).join(''),
    notices: [...notices, summarizeChangeSet({ entries })],
    exit: changed ? DiffExit.Changes : DiffExit.NoChanges,
  };
}

function headline(subject: string, action: Action, reason: string | undefined): string {
  return `► ${subject} ${action}${reason === undefined ? '' : ` (${reason})`}`;
}

/** `spec.ignore`, compiled by the controller's own code: their paths show no drift. */
function ignoreRulesOf(kustomization: Kustomization): DriftIgnoreRules | undefined {
  try {
    return compileDriftIgnoreRules(kustomization.spec);
  } catch (error) {
    if (!(error instanceof ReconcileError)) throw error;
    throw new CommandError(error.message, { cause: error });
  }
}
