/**
 * One kustomization level, as kustomize's `KustTarget` accumulates it: its `crds`, its
 * resources (files, kustomization directories, remote entries), its `vars`, its generators,
 * its components, then its transformers, all into the level's ResourceIndex.
 */
import {
  annotateOrigin,
  originText,
  sourceOf,
  type MetadataContext,
  type RemoteSource,
} from './build-metadata.js';
import { loadConfigurations, mergeTransformerConfigs } from './configurations.js';
import { loadCrds, type CrdConfig } from './crds.js';
import { KustomizeError, OutsideBuildRoot } from './errors.js';
import { FieldReader, readKustomizationIn, type Kustomization } from './kustomization.js';
import type { FileLoader, KustomizationFiles } from './loader.js';
import { runGenerators, runTransformers } from './pipeline.js';
import { runPluginGenerators, runPluginTransformers } from './plugins/builtins.js';
import type { RemoteCheckouts } from './remote/checkout.js';
import { inSource, isRemote, remoteFile, remoteRoot, urlSource } from './remote/entries.js';
import { ResourceIndex } from './resource-index.js';
import { Resource, resourcesIn } from './resource.js';
import { parseVars, type Var } from './transformers/vars.js';

/** State of one build shared by every level. */
export interface Session extends MetadataContext {
  /** Kustomization roots being built, to detect cycles. */
  readonly visiting: Set<string>;
  readonly originAnnotations: boolean;
  /** `vars` of every level, resolved once the build is otherwise done. */
  readonly vars: Var[];
  /** Fetched remote kustomizations; undefined when remote resources are off. */
  readonly remotes: RemoteCheckouts | undefined;
  /** The remote checkout the level being built came from (origin annotations name it). */
  remoteSource: RemoteSource | undefined;
  /** What each level's `crds` files say, in the order levels were entered. */
  readonly crds: CrdConfig[];
}

/** A level being accumulated: its kustomization, files, index and the build's session. */
export interface Level extends KustomizationFiles {
  readonly kustomization: Kustomization;
  readonly fields: FieldReader;
  readonly index: ResourceIndex;
  readonly session: Session;
}

/** One kustomization level: resources, generators, components, transformers. */
export function accumulate(
  kustomization: Kustomization,
  root: string,
  index: ResourceIndex,
  loader: FileLoader,
  session: Session,
): void {
  const { visiting } = session;
  if (visiting.has(root)) {
    throw new KustomizeError(`cycle detected: ${root} includes itself`);
  }
  visiting.add(root);
  const fields = new FieldReader(kustomization);
  const origin = kustomization.path;
  const level: Level = { kustomization, fields, root, origin, index, loader, session };
  // A level's transformers know the custom kinds of its own crds and of those below it.
  const crdsFrom = session.crds.length;
  session.crds.push(loadConfigurations(fields.strings('configurations'), root, loader, origin));
  session.crds.push(loadCrds(fields.strings('crds'), root, loader, origin));

  for (const entry of [...fields.strings('resources'), ...fields.strings('bases')]) {
    loadResourceEntry(entry, level);
  }
  session.vars.push(...parseVars(fields.list('vars'), origin));
  runGenerators(level);
  runPluginGenerators(level);
  // Components run after this level's generators and before its transformers, as in kustomize.
  for (const entry of fields.strings('components')) {
    const remote = remoteEntry(entry, level);
    const componentRoot = remote?.root ?? localPath(entry, level, 'component');
    if (!loader.isDirectory(componentRoot)) {
      throw new KustomizeError(`${origin}: component ${entry} must be a directory`);
    }
    const component = readKustomizationIn(componentRoot, loader);
    if (component.kind !== 'Component') {
      throw new KustomizeError(
        `${component.path}: a component must have kind: Component (used from ${origin})`,
      );
    }
    inSource(session, remote?.source, () => {
      accumulate(component, componentRoot, index, loader, session);
    });
  }
  const crds = mergeTransformerConfigs(session.crds.slice(crdsFrom));
  runTransformers(level, crds);
  runPluginTransformers(level);
  visiting.delete(root);
}

/** A `resources` or `bases` entry: a remote file, a kustomization directory or a local file. */
export function loadResourceEntry(entry: string, level: Level): void {
  const { root, origin, index, loader, session } = level;
  const file = remoteFile(entry, origin, session.remotes);
  if (file !== undefined) {
    for (const object of file) {
      const resource = new Resource(object, entry);
      if (session.originAnnotations) annotateOrigin(resource, originText(urlSource(entry)));
      index.add(resource);
    }
    return;
  }
  const remote = remoteEntry(entry, level);
  const path = remote?.root ?? localPath(entry, level, 'resource');
  if (remote !== undefined || loader.isDirectory(path)) {
    const sub = readKustomizationIn(path, loader);
    if (sub.kind === 'Component') {
      throw new KustomizeError(`${sub.path}: a Component must be listed under components`);
    }
    const subIndex = new ResourceIndex();
    inSource(session, remote?.source, () => {
      accumulate(sub, path, subIndex, loader, session);
    });
    for (const resource of subIndex.all()) index.add(resource);
    return;
  }
  const text = loader.readFile(root, entry);
  for (const object of resourcesIn(text, path)) {
    const resource = new Resource(object, path);
    if (session.originAnnotations) {
      annotateOrigin(resource, originText(sourceOf(session, path)));
    }
    index.add(resource);
  }
}

/** A remote entry's checkout directory, which a confined build may then read. */
function remoteEntry(entry: string, level: Level): ReturnType<typeof remoteRoot> | undefined {
  const { root, origin, loader, session } = level;
  if (!isRemote(entry, root)) return undefined;
  const remote = remoteRoot(entry, origin, session.remotes);
  loader.allowCheckout(remote.source.checkout);
  return remote;
}

/** A local entry's real path; one resolving outside the build's confinement is refused. */
function localPath(entry: string, level: Level, what: 'resource' | 'component'): string {
  try {
    return level.loader.realPath(level.root, entry);
  } catch (error) {
    if (!(error instanceof OutsideBuildRoot)) throw error;
    throw new OutsideBuildRoot(error.path, error.buildRoot, `${level.origin}: ${what} ${entry}`);
  }
}
