/**
 * `generators:` and `transformers:` entries read into plugin configs, as kustomize reads them:
 * an entry that parses as resources is an inline config, any other is a `resources`-style
 * path (a file of configs, or a kustomization directory whose built resources are the
 * configs). Only kustomize's built-in plugins (`apiVersion: builtin`) are allowed, since
 * kustomize without `--enable-alpha-plugins` refuses every other with its own message.
 */
import { KustomizeError } from '../errors.js';
import { ResourceIndex } from '../resource-index.js';
import { Resource, resourcesIn } from '../resource.js';
import { loadResourceEntry, type Level } from '../target.js';
import type { ValueMap } from '../value.js';

/** The plugin configs of a `generators` or `transformers` list, in kustomize's order. */
export function loadPluginConfigs(entries: readonly string[], level: Level): readonly Resource[] {
  const configs = new ResourceIndex();
  const paths: string[] = [];
  for (const entry of entries) {
    const inline = inlineConfigs(entry, level.origin);
    if (inline === undefined) {
      paths.push(entry);
      continue;
    }
    for (const object of inline) configs.add(new Resource(object, level.origin));
  }
  const sub: Level = { ...level, index: configs };
  // kustomize accumulates config directories apart: their vars and crds do not join the build.
  const { vars, crds } = level.session;
  const [varsBefore, crdsBefore] = [vars.length, crds.length];
  for (const path of paths) loadResourceEntry(path, sub);
  vars.splice(varsBefore);
  crds.splice(crdsBefore);
  return configs.all();
}

/** The objects of an inline config, or undefined when the entry is not YAML resources. */
function inlineConfigs(entry: string, origin: string): ValueMap[] | undefined {
  try {
    const objects = [...resourcesIn(entry, origin)];
    return objects.length === 0 ? undefined : objects;
  } catch (error) {
    if (error instanceof KustomizeError) return undefined;
    throw error;
  }
}

/** kustomize's `OrgId` text for a plugin config, as its messages print it. */
export function pluginId(resource: Resource): string {
  const id = resource.originalId();
  const group = id.group === '' ? '[noGrp]' : id.group;
  const namespace = id.namespace === '' ? '[noNs]' : id.namespace;
  return `${id.kind}.${id.version}.${group}/${id.name}.${namespace}`;
}
