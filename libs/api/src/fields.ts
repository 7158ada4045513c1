// The leaf fields of a kind's spec, read from the structural schema its CRD carries: what the
// support matrix classifies and what a set field is looked up under. A leaf is a node without
// `properties`: a scalar, a map, a free-form value, or an array of those; arrays of objects
// are walked into, with `[]` in the path (`spec.include[].repository.name`).
import { versionSchema, type KindDefinition, type VersionDefinition } from './crd.js';
import type { JsonObject, JsonValue } from './openapi.js';

/** A node of a structural schema, as far as walking it goes. */
export interface SchemaNode {
  readonly type?: string;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly items?: SchemaNode;
  readonly enum?: readonly JsonValue[];
}

/** The structural schema of `spec` in one served version. */
export function specSchema(definition: KindDefinition, version: VersionDefinition): SchemaNode {
  const root = versionSchema(definition, version) as unknown as SchemaNode;
  const spec = root.properties?.spec;
  if (spec === undefined) throw new Error(`${definition.kind} ${version.name} has no spec schema`);
  return spec;
}

/** Whether a node holds named fields that are walked into (a node without them is a leaf). */
export function hasFields(node: SchemaNode): node is SchemaNode & {
  readonly properties: Readonly<Record<string, SchemaNode>>;
} {
  return node.properties !== undefined && Object.keys(node.properties).length > 0;
}

/** Every leaf under `node`, with its schema: `spec.ref.branch`, `spec.valuesFiles[]`, ... */
export function leavesOf(node: SchemaNode, path: string): Map<string, SchemaNode> {
  const leaves = new Map<string, SchemaNode>();
  collect(node, path, leaves);
  return leaves;
}

function collect(node: SchemaNode, path: string, into: Map<string, SchemaNode>): void {
  if (node.type === 'array' && node.items !== undefined) {
    collect(node.items, `${path}[]`, into);
    return;
  }
  if (!hasFields(node)) {
    into.set(path, node);
    return;
  }
  for (const [name, child] of Object.entries(node.properties))
    collect(child, `${path}.${name}`, into);
}

/** The leaf paths of a kind's spec in one served version, sorted. */
export function specLeaves(definition: KindDefinition, version: VersionDefinition): string[] {
  return [...leavesOf(specSchema(definition, version), 'spec').keys()].sort();
}

/** One field an object sets, at a leaf of the schema (or outside it). */
export interface SetField {
  readonly path: string;
  readonly value: JsonValue;
  /** False when the object carries a field its schema does not know. */
  readonly known: boolean;
}

/**
 * The leaf fields `value` sets under `node`, walking the object (not the schema): every
 * element of an array of objects, every key the object has. A null or absent value sets
 * nothing; neither does an empty array.
 */
export function setFields(value: unknown, node: SchemaNode, path: string): SetField[] {
  const found: SetField[] = [];
  walk(value, node, path, found);
  return found;
}

function walk(value: unknown, node: SchemaNode, path: string, into: SetField[]): void {
  if (value === undefined || value === null) return;
  if (node.type === 'array' && node.items !== undefined) {
    if (!Array.isArray(value)) {
      into.push({ path, value: value as JsonValue, known: true });
      return;
    }
    for (const item of value) walk(item, node.items, `${path}[]`, into);
    return;
  }
  if (!hasFields(node) || !isObject(value)) {
    into.push({ path, value: value as JsonValue, known: true });
    return;
  }
  for (const [name, child] of Object.entries(value)) {
    const field = node.properties[name];
    const childPath = `${path}.${name}`;
    if (field === undefined) {
      if (child !== null) into.push({ path: childPath, value: child, known: false });
      continue;
    }
    walk(child, field, childPath, into);
  }
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
