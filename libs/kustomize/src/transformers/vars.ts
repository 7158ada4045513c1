/**
 * Legacy `vars`: `$(NAME)` in a fixed set of fields is replaced, at the very end of the build,
 * with a field of a named resource (its final name by default). The fields are the ones
 * kustomize's default varReference configuration lists (established against kubectl).
 */
import { KustomizeError } from '../errors.js';
import { fieldSpec, applyFieldSpecs, type FieldSpec } from '../field-specs.js';
import type { Resource } from '../resource.js';
import { deepCopy, describe, isMap, type Value, type ValueMap } from '../value.js';

export interface Var {
  readonly name: string;
  readonly kind: string;
  readonly apiVersion?: string;
  readonly objectName: string;
  readonly namespace?: string;
  readonly fieldPath: string;
  readonly origin: string;
}

const containerFields = ['args', 'command', 'env/value', 'volumeMounts/mountPath'];

function podFields(kind: string, base: string, withNfs: boolean): FieldSpec[] {
  const paths = ['containers', 'initContainers'].flatMap((list) =>
    containerFields.map((field) => `${base}/${list}/${field}`),
  );
  if (withNfs) paths.push(`${base}/volumes/nfs/server`);
  return paths.map((path) => fieldSpec(path, { kind }));
}

const varReferenceSpecs: readonly FieldSpec[] = [
  fieldSpec('metadata/annotations'),
  fieldSpec('metadata/labels'),
  fieldSpec('spec/template/metadata/annotations', { kind: 'Deployment' }),
  ...podFields('Pod', 'spec', true),
  ...['Deployment', 'DaemonSet', 'ReplicaSet', 'Job'].flatMap((kind) =>
    podFields(kind, 'spec/template/spec', true),
  ),
  ...podFields('StatefulSet', 'spec/template/spec', false),
  ...podFields('CronJob', 'spec/jobTemplate/spec/template/spec', false),
  fieldSpec('spec/rules/host', { kind: 'Ingress' }),
  fieldSpec('spec/tls/hosts', { kind: 'Ingress' }),
  fieldSpec('spec/tls/secretName', { kind: 'Ingress' }),
];

export function parseVars(entries: readonly ValueMap[], origin: string): Var[] {
  return entries.map((entry) => {
    const { name, objref, fieldref } = entry;
    if (typeof name !== 'string' || name === '' || !isMap(objref)) {
      throw new KustomizeError(`${origin}: every var needs a name and an objref`);
    }
    const kind = objref.kind;
    const objectName = objref.name;
    if (typeof kind !== 'string' || typeof objectName !== 'string') {
      throw new KustomizeError(`${origin}: var ${name}: objref needs a kind and a name`);
    }
    const fieldPath = isMap(fieldref) ? fieldref.fieldpath : undefined;
    const parsed: {
      name: string;
      kind: string;
      objectName: string;
      fieldPath: string;
      origin: string;
      apiVersion?: string;
      namespace?: string;
    } = {
      name,
      kind,
      objectName,
      fieldPath: typeof fieldPath === 'string' && fieldPath !== '' ? fieldPath : 'metadata.name',
      origin,
    };
    if (typeof objref.apiVersion === 'string') parsed.apiVersion = objref.apiVersion;
    if (typeof objref.namespace === 'string') parsed.namespace = objref.namespace;
    return parsed;
  });
}

/** Replaces `$(NAME)` references once every resource has its final name. */
export function resolveVars(resources: readonly Resource[], vars: readonly Var[]): void {
  if (vars.length === 0) return;
  const values = new Map<string, Value>();
  for (const variable of vars) {
    if (values.has(variable.name)) {
      throw new KustomizeError(
        `${variable.origin}: var ${variable.name} is defined more than once`,
      );
    }
    values.set(variable.name, valueOf(resources, variable));
  }
  for (const resource of resources) {
    applyFieldSpecs(resource, varReferenceSpecs, (parent, key) => {
      parent[key] = substitute(parent[key] as Value, values);
    });
  }
}

function valueOf(resources: readonly Resource[], variable: Var): Value {
  const matches = resources.filter(
    (resource) =>
      resource.kind === variable.kind &&
      (variable.apiVersion === undefined || resource.apiVersion === variable.apiVersion) &&
      resource
        .allIds()
        .some(
          (id) =>
            id.name === variable.objectName &&
            (variable.namespace === undefined || id.namespace === variable.namespace),
        ),
  );
  const [only] = matches;
  if (only === undefined || matches.length > 1) {
    throw new KustomizeError(
      `${variable.origin}: var ${variable.name} cannot be mapped to ${matches.length === 0 ? 'any' : 'a single'} ` +
        `${variable.kind} ${variable.objectName}`,
    );
  }
  let node: Value | undefined = only.object;
  for (const step of fieldPathSteps(variable.fieldPath)) {
    if (typeof step === 'number') node = Array.isArray(node) ? node[step] : undefined;
    else if (typeof step === 'string') node = isMap(node) ? node[step] : undefined;
    else {
      node = Array.isArray(node)
        ? node.find((item) => isMap(item) && describe(item[step.key]) === step.value)
        : undefined;
    }
  }
  if (node === undefined || isMap(node) || Array.isArray(node)) {
    throw new KustomizeError(
      `${variable.origin}: var ${variable.name}: field ${variable.fieldPath} is not a scalar in ${only.kind} ${only.name}`,
    );
  }
  return node;
}

type Step = string | number | { readonly key: string; readonly value: string };

/** `spec.ports[0].port`, `spec.containers[name=web].image`: fields, indexes and matches. */
function fieldPathSteps(path: string): Step[] {
  const steps: Step[] = [];
  for (const part of path.split('.')) {
    const match = /^([^[]*)((?:\[[^\]]*\])*)$/.exec(part);
    const field = match?.[1] ?? part;
    if (field !== '') steps.push(field);
    for (const bracket of (match?.[2] ?? '').match(/\[[^\]]*\]/g) ?? []) {
      const inner = bracket.slice(1, -1);
      const equals = inner.indexOf('=');
      if (equals >= 0) steps.push({ key: inner.slice(0, equals), value: inner.slice(equals + 1) });
      else steps.push(Number(inner));
    }
  }
  return steps;
}

/** Walks lists and maps below a var-reference field, expanding every string. */
function substitute(value: Value, values: ReadonlyMap<string, Value>): Value {
  if (Array.isArray(value)) return value.map((item) => substitute(item, values));
  if (isMap(value)) {
    for (const key of Object.keys(value)) value[key] = substitute(value[key] as Value, values);
    return value;
  }
  if (typeof value !== 'string') return value;
  // A field that is exactly one reference takes the value with its type.
  const whole = /^\$\(([^)]*)\)$/.exec(value);
  const wholeName = whole?.[1];
  if (wholeName !== undefined && values.has(wholeName)) {
    return deepCopy(values.get(wholeName) as Value);
  }
  return expand(value, (name) => {
    const found = values.get(name);
    return found === undefined ? `$(${name})` : describe(found);
  });
}

/** Kubernetes' `$(VAR)` expansion: `$$` is a literal `$`, unknown names stay as written. */
export function expand(input: string, mapping: (name: string) => string): string {
  let output = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== '$' || cursor + 1 >= input.length) continue;
    output += input.slice(checkpoint, cursor);
    const next = input[cursor + 1];
    let advance = 1;
    if (next === '$') {
      output += '$';
    } else if (next === '(') {
      const close = input.indexOf(')', cursor + 2);
      if (close < 0) {
        output += '$(';
      } else {
        output += mapping(input.slice(cursor + 2, close));
        advance = close - cursor;
      }
    } else {
      output += `$${next ?? ''}`;
    }
    cursor += advance;
    checkpoint = cursor + 1;
  }
  return output + input.slice(checkpoint);
}
