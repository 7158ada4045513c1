/**
 * A kustomization's patch fields read into Patches: `patches`, and the legacy
 * `patchesStrategicMerge` (file paths or inline YAML) and `patchesJson6902` (a literal target
 * and a path or patch) forms kustomize still accepts.
 */
import { join } from 'node:path';
import { KustomizeError } from '../errors.js';
import type { FieldReader } from '../kustomization.js';
import type { KustomizationFiles } from '../loader.js';
import { parseSelector } from '../selector.js';
import { isMap, newMap, type Value, type ValueMap } from '../value.js';
import { parseJson6902, parseOptions, parsePatchText, parseTarget, type Patch } from './patches.js';

export function legacyStrategicPatches(fields: FieldReader, files: KustomizationFiles): Patch[] {
  const { root, loader, origin } = files;
  const value = fields.strings('patchesStrategicMerge');
  const noOptions = { allowNameChange: false, allowKindChange: false };
  const patches = value.flatMap((entry) => {
    // An entry is a file path or, if it spans lines or looks like YAML, an inline patch.
    const inline = entry.includes('\n') || /^\s*(apiVersion|kind|metadata)\s*:/.test(entry);
    const text = inline ? entry : loader.readFile(root, entry);
    const where = inline ? `${origin}: patchesStrategicMerge` : join(root, entry);
    return parsePatchText(text, where, undefined, noOptions).map((patch) => {
      if (patch.type !== 'strategic') {
        throw new KustomizeError(`${where}: patchesStrategicMerge entries must be mappings`);
      }
      return { ...patch, exactVersion: true };
    });
  });
  // kustomize's PatchStrategicMergeTransformer refuses a list whose files hold no patch at all.
  if (value.length > 0 && patches.length === 0) {
    throw new KustomizeError(
      `${origin}: patchesStrategicMerge: patch appears to be empty; files=[${value.join(' ')}]`,
    );
  }
  return patches;
}

export function patchesOf(fields: FieldReader, files: KustomizationFiles): Patch[] {
  const { root, loader, origin } = files;
  return fields.list('patches').flatMap((entry) => {
    for (const key of Object.keys(entry)) {
      if (!['path', 'patch', 'target', 'options'].includes(key)) {
        throw new KustomizeError(`${origin}: unknown field "${key}" in patches`);
      }
    }
    const hasPath = typeof entry.path === 'string' && entry.path !== '';
    const hasPatch = typeof entry.patch === 'string' && entry.patch.trim() !== '';
    if (hasPath === hasPatch) {
      throw new KustomizeError(`${origin}: each patch needs exactly one of path and patch`);
    }
    // kustomize trims inline patches (only these): a block scalar ending one loses its newline.
    const text = hasPath
      ? loader.readFile(root, entry.path as string)
      : (entry.patch as string).trim();
    const where = hasPath ? join(root, entry.path as string) : `${origin}: inline patch`;
    const target = parseTarget(entry.target, origin);
    return parsePatchText(text, where, target, parseOptions(entry.options, origin));
  });
}

export function legacyJsonPatches(fields: FieldReader, files: KustomizationFiles): Patch[] {
  const { root, loader, origin } = files;
  return fields.list('patchesJson6902').map((entry) => {
    if (entry.target === undefined || entry.target === null) {
      throw new KustomizeError(`${origin}: patchesJson6902 entries need a target`);
    }
    const target = parseSelector(legacyTarget(entry.target), origin);
    const hasPath = typeof entry.path === 'string';
    const text = hasPath ? loader.readFile(root, entry.path as string) : entry.patch;
    if (typeof text !== 'string') {
      throw new KustomizeError(`${origin}: patchesJson6902 entries need a path or a patch`);
    }
    return parseJson6902(text, hasPath ? join(root, entry.path as string) : origin, target);
  });
}

/** Legacy targets name their resource literally; escape them for the regex selector. */
function legacyTarget(value: Value): ValueMap {
  if (!isMap(value)) throw new KustomizeError('patchesJson6902 target must be a mapping');
  const target = newMap();
  for (const key of Object.keys(value)) {
    const field = value[key];
    target[key] =
      typeof field === 'string' && key !== 'labelSelector' && key !== 'annotationSelector'
        ? field.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')
        : (field as Value);
  }
  return target;
}
