/**
 * The `patches`, `patchesStrategicMerge` and `patchesJson6902` fields: reading each patch once,
 * compiling its target once, and applying it to the resources the index hands back.
 */
import fastJsonPatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { KustomizeError } from '../errors.js';
import type { ResourceIndex } from '../resource-index.js';
import { formatId, sameNamespace, type ResId, type Resource } from '../resource.js';
import { ResourceMatcher, parseSelector, type Selector } from '../selector.js';
import { deepCopy, describe, isMap, newMap, type Value, type ValueMap } from '../value.js';
import { parseDocuments } from '../yaml/parse.js';
import { schemaFor } from './schema.js';
import { deleted, strategicMerge } from './strategic-merge.js';

/** A patch ready to apply: its body parsed, its target compiled. */
export type Patch =
  | {
      readonly type: 'strategic';
      readonly body: ValueMap;
      readonly matcher: ResourceMatcher | undefined;
      readonly options: PatchOptions;
      readonly origin: string;
      /** Legacy patchesStrategicMerge: the patch's group and version must equal the target's. */
      readonly exactVersion?: boolean;
    }
  | {
      readonly type: 'json6902';
      readonly operations: Operation[];
      readonly matcher: ResourceMatcher;
      readonly origin: string;
    };

export interface PatchOptions {
  readonly allowNameChange: boolean;
  readonly allowKindChange: boolean;
}

/**
 * Reads patch text: a YAML/JSON list is a JSON 6902 patch, a mapping is a strategic merge.
 * Text with no document (empty, comments, `---`) is no patch at all, as in kustomize.
 */
export function parsePatchText(
  text: string,
  origin: string,
  target: Selector | undefined,
  options: PatchOptions,
): Patch[] {
  const documents = parseDocuments(text, origin);
  const [first] = documents;
  if (first === undefined) return [];
  if (Array.isArray(first)) {
    if (target === undefined) {
      throw new KustomizeError(`${origin}: a JSON 6902 patch needs a target`);
    }
    return [json6902Patch(first, origin, target)];
  }
  return documents.map((body) => {
    if (!isMap(body)) throw new KustomizeError(`${origin}: a patch must be a mapping or a list`);
    const metadata = body.metadata;
    if (typeof body.kind !== 'string' || !isMap(metadata) || typeof metadata.name !== 'string') {
      // kustomize cannot read a strategic merge patch without kind and metadata.name either.
      throw new KustomizeError(
        `${origin}: unable to parse strategic merge patch: it needs kind and metadata.name`,
      );
    }
    return {
      type: 'strategic' as const,
      body,
      matcher: target === undefined ? undefined : new ResourceMatcher(target),
      options,
      origin,
    };
  });
}

export function parseJson6902(text: string, origin: string, target: Selector): Patch {
  const documents = parseDocuments(text, origin);
  const [first] = documents;
  if (!Array.isArray(first)) {
    throw new KustomizeError(`${origin}: a JSON 6902 patch must be a list of operations`);
  }
  return json6902Patch(first, origin, target);
}

function json6902Patch(list: readonly Value[], origin: string, target: Selector): Patch {
  return {
    type: 'json6902',
    operations: toOperations(list, origin),
    matcher: new ResourceMatcher(target),
    origin,
  };
}

const operationNames = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

function toOperations(list: readonly Value[], origin: string): Operation[] {
  return list.map((item) => {
    if (!isMap(item) || typeof item.op !== 'string' || !operationNames.has(item.op)) {
      throw new KustomizeError(`${origin}: every JSON patch operation needs a valid "op"`);
    }
    if (typeof item.path !== 'string') {
      throw new KustomizeError(`${origin}: JSON patch operation ${item.op} needs a "path"`);
    }
    return { ...item } as unknown as Operation;
  });
}

export function parseOptions(value: Value | undefined, origin: string): PatchOptions {
  if (value === undefined || value === null) {
    return { allowNameChange: false, allowKindChange: false };
  }
  if (!isMap(value)) throw new KustomizeError(`${origin}: patch options must be a mapping`);
  return {
    allowNameChange: value.allowNameChange === true,
    allowKindChange: value.allowKindChange === true,
  };
}

export function parseTarget(value: Value | undefined, origin: string): Selector | undefined {
  if (value === undefined || value === null) return undefined;
  return parseSelector(value, origin);
}

/** Applies patches in order; resources a patch deletes leave the index. */
export function applyPatches(index: ResourceIndex, patches: readonly Patch[]): void {
  for (const patch of patches) {
    if (patch.type === 'json6902') {
      for (const resource of index.select(patch.matcher)) applyJsonPatch(index, resource, patch);
      continue;
    }
    const targets =
      patch.matcher === undefined
        ? [ownTarget(index, patch.body, patch.origin, patch.exactVersion === true)]
        : index.select(patch.matcher);
    for (const resource of targets) {
      applyStrategic(index, resource, patch.body, patch.matcher !== undefined, patch.options);
    }
  }
}

/** A patch without a target patches the one resource its own id names. */
function ownTarget(
  index: ResourceIndex,
  body: ValueMap,
  origin: string,
  exactVersion: boolean,
): Resource {
  const metadata = isMap(body.metadata) ? body.metadata : newMap();
  const selector: Record<string, string> = {};
  if (typeof body.kind === 'string') selector.kind = escapeRegex(body.kind);
  if (typeof metadata.namespace === 'string') {
    selector.namespace = escapeRegex(metadata.namespace);
  }
  if (typeof body.apiVersion === 'string') {
    const slash = body.apiVersion.lastIndexOf('/');
    selector.group = escapeRegex(slash < 0 ? '' : body.apiVersion.slice(0, slash));
    selector.version = escapeRegex(body.apiVersion.slice(slash + 1));
  }
  if (selector.group === '') delete selector.group;
  // Legacy patches name their target by exact id: same apiVersion, and a namespace equal to
  // one the resource has had (unset and `default` being the same).
  const apiVersion = typeof body.apiVersion === 'string' ? body.apiVersion : '';
  const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : '';
  // The name may be any the resource has had: original, current or one in between (a base's
  // prefix before a component's suffix), as kustomize matches a patch's id against all of them.
  const name = typeof metadata.name === 'string' ? metadata.name : undefined;
  const matches = index
    .select(new ResourceMatcher(selector))
    .filter((resource) => name === undefined || resource.allIds().some((id) => id.name === name))
    .filter(
      (resource) =>
        !exactVersion ||
        (resource.apiVersion === apiVersion &&
          resource.allIds().some((id) => sameNamespace(id.namespace, namespace))),
    );
  const [only] = matches;
  if (matches.length !== 1 || only === undefined) {
    const id = `${describe(body.kind)} ${describe(metadata.name)}`;
    throw new KustomizeError(
      `${origin}: ${matches.length === 0 ? 'no resource matches' : 'more than one resource matches'} ` +
        `the strategic merge patch for ${id}`,
    );
  }
  return only;
}

function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

function applyStrategic(
  index: ResourceIndex,
  resource: Resource,
  body: ValueMap,
  hasTarget: boolean,
  options: PatchOptions,
): void {
  // The patch never renames its target unless a target and options allow it.
  const patch = retarget(body, resource, hasTarget ? options : noChanges);
  const before = resource.id();
  const merged = strategicMerge(resource.object, patch, schemaFor(resource.group, resource.kind));
  if (merged === deleted) {
    index.remove(resource);
    return;
  }
  resource.object = merged;
  recordChange(index, resource, before);
}

/** A patch may rename a resource: keep its old id for name references and the index. */
function recordChange(index: ResourceIndex, resource: Resource, before: ResId): void {
  const after = resource.id();
  if (after.name !== before.name || after.kind !== before.kind) {
    resource.previousIds.push(before);
  }
  index.reindex(resource, before);
}

const noChanges: PatchOptions = { allowNameChange: false, allowKindChange: false };

/** The patch's own name and kind only change the resource if options allow. */
function retarget(body: ValueMap, resource: Resource, options: PatchOptions): ValueMap {
  const patch = newMap();
  for (const key of Object.keys(body)) patch[key] = body[key] as Value;
  if (!options.allowKindChange || patch.kind === undefined) {
    patch.kind = resource.kind;
    patch.apiVersion = resource.apiVersion;
  }
  const metadata = newMap();
  const bodyMetadata = isMap(body.metadata) ? body.metadata : newMap();
  for (const key of Object.keys(bodyMetadata)) metadata[key] = bodyMetadata[key] as Value;
  if (!options.allowNameChange || metadata.name === undefined) metadata.name = resource.name;
  if (resource.namespace !== '') metadata.namespace = resource.namespace;
  else delete metadata.namespace;
  patch.metadata = metadata;
  return patch;
}

function applyJsonPatch(
  index: ResourceIndex,
  resource: Resource,
  patch: Extract<Patch, { type: 'json6902' }>,
): void {
  const before = resource.id();
  // Each target gets its own copy of the values, so no two resources share a subtree.
  const operations = patch.operations.map(
    (operation) => deepCopy(operation as unknown as ValueMap) as unknown as Operation,
  );
  try {
    const result = fastJsonPatch.applyPatch(resource.object, operations, true, true, true);
    const document = result.newDocument as unknown;
    if (!isMap(document as Value)) {
      throw new KustomizeError(
        `${patch.origin}: JSON patch turned ${formatId(resource.id())} into a non-object`,
      );
    }
    // fast-json-patch clones `copy` values through JSON.parse, which gives them
    // Object.prototype: the resource is made of prototype-free maps again.
    resource.object = deepCopy(document as ValueMap);
    recordChange(index, resource, before);
  } catch (error) {
    if (error instanceof KustomizeError) throw error;
    const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
    throw new KustomizeError(
      `${patch.origin}: applying JSON patch to ${formatId(resource.id())}: ${message}`,
    );
  }
}
