/** `replicas`: sets spec.replicas of the named workloads. */
import { KustomizeError } from '../errors.js';
import { walkPath, type FieldSpec } from '../field-specs.js';
import type { Resource } from '../resource.js';
import { isMap, newMap, type ValueMap } from '../value.js';

const scalableKinds = new Set(['Deployment', 'ReplicationController', 'ReplicaSet', 'StatefulSet']);

export interface ReplicaCount {
  readonly name: string;
  readonly count: number | bigint;
}

export function parseReplicas(entries: readonly ValueMap[], origin: string): ReplicaCount[] {
  return entries.map((entry) => {
    const { name, count } = entry;
    if (typeof name !== 'string' || (typeof count !== 'number' && typeof count !== 'bigint')) {
      throw new KustomizeError(`${origin}: each replicas entry needs a name and a count`);
    }
    if (typeof count === 'number' && !Number.isInteger(count)) {
      throw new KustomizeError(`${origin}: replicas count for ${name} must be an integer`);
    }
    return { name, count };
  });
}

export function setReplicas(
  resources: readonly Resource[],
  counts: readonly ReplicaCount[],
  specs: readonly FieldSpec[] = [],
): void {
  for (const { name, count } of counts) {
    let matched = setCustomFields(resources, name, count, specs);
    for (const resource of resources) {
      if (!scalableKinds.has(resource.kind)) continue;
      if (!resource.allIds().some((id) => id.name === name)) continue;
      matched = true;
      let spec = resource.object.spec;
      if (!isMap(spec)) {
        spec = newMap();
        resource.object.spec = spec;
      }
      spec.replicas = count;
    }
    if (!matched) {
      throw new KustomizeError(
        `replicas: no Deployment, StatefulSet, ReplicaSet or ReplicationController named ${name}`,
      );
    }
  }
}

/** Fields `configurations` add to `replicas`, on resources of their kind that had the name. */
function setCustomFields(
  resources: readonly Resource[],
  name: string,
  count: number | bigint,
  specs: readonly FieldSpec[],
): boolean {
  let matched = false;
  for (const spec of specs) {
    for (const resource of resources) {
      const ids = resource.allIds().filter((id) => id.name === name);
      const selected = ids.some(
        (id) =>
          (spec.kind === undefined || spec.kind === id.kind) &&
          (spec.group === undefined || spec.group === id.group) &&
          (spec.version === undefined || spec.version === id.version),
      );
      if (!selected) continue;
      matched = true;
      walkPath(
        resource.object,
        spec.path,
        spec.create,
        (parent, key) => {
          parent[key] = count;
        },
        spec.lists,
      );
    }
  }
  return matched;
}
