/**
 * commonLabels, labels and commonAnnotations: set key/value pairs on metadata and, depending on
 * the options, on pod templates and selectors of the built-in kinds.
 */
import type { CrdConfig } from '../crds.js';
import { KustomizeError } from '../errors.js';
import { applyFieldSpecs, fieldSpec, type FieldSpec } from '../field-specs.js';
import { stringMapOf } from '../kustomization.js';
import type { Resource } from '../resource.js';
import { isMap, newMap, type Value, type ValueMap } from '../value.js';

const apps = 'apps';
const affinityTerms = [
  'podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm',
  'podAffinity/requiredDuringSchedulingIgnoredDuringExecution',
  'podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm',
  'podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution',
];

/** The labels or annotations of pod (and job) templates of the built-in kinds. */
function templateSpecs(field: 'labels' | 'annotations'): FieldSpec[] {
  return [
    fieldSpec(`spec/template/metadata/${field}`, {
      kind: 'ReplicationController',
      version: 'v1',
      create: true,
    }),
    ...['Deployment', 'ReplicaSet', 'DaemonSet'].map((kind) =>
      fieldSpec(`spec/template/metadata/${field}`, { kind, create: true }),
    ),
    fieldSpec(`spec/template/metadata/${field}`, {
      kind: 'StatefulSet',
      group: apps,
      create: true,
    }),
    fieldSpec(`spec/template/metadata/${field}`, { kind: 'Job', group: 'batch', create: true }),
    fieldSpec(`spec/jobTemplate/metadata/${field}`, {
      kind: 'CronJob',
      group: 'batch',
      create: true,
    }),
    fieldSpec(`spec/jobTemplate/spec/template/metadata/${field}`, {
      kind: 'CronJob',
      group: 'batch',
      create: true,
    }),
  ];
}

/** Labels on pod (and job) templates, for `labels[].includeTemplates`. */
export const templateLabelSpecs: readonly FieldSpec[] = templateSpecs('labels');

/** Selectors that must keep matching the templates, for commonLabels and includeSelectors. */
export const selectorLabelSpecs: readonly FieldSpec[] = [
  fieldSpec('spec/selector', { kind: 'Service', version: 'v1', create: true }),
  fieldSpec('spec/selector', { kind: 'ReplicationController', version: 'v1', create: true }),
  ...['Deployment', 'ReplicaSet', 'DaemonSet'].map((kind) =>
    fieldSpec('spec/selector/matchLabels', { kind, create: true }),
  ),
  fieldSpec('spec/selector/matchLabels', { kind: 'StatefulSet', group: apps, create: true }),
  ...['Deployment', 'StatefulSet'].flatMap((kind) => [
    ...affinityTerms.map((term) =>
      fieldSpec(`spec/template/spec/affinity/${term}/labelSelector/matchLabels`, {
        kind,
        group: apps,
      }),
    ),
    fieldSpec('spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels', {
      kind,
      group: apps,
    }),
  ]),
  fieldSpec('spec/volumeClaimTemplates[]/metadata/labels', {
    kind: 'StatefulSet',
    group: apps,
    create: true,
  }),
  fieldSpec('spec/selector/matchLabels', { kind: 'Job', group: 'batch' }),
  fieldSpec('spec/jobTemplate/spec/selector/matchLabels', { kind: 'CronJob', group: 'batch' }),
  fieldSpec('spec/selector/matchLabels', { kind: 'PodDisruptionBudget', group: 'policy' }),
  ...[
    'spec/podSelector/matchLabels',
    'spec/ingress/from/podSelector/matchLabels',
    'spec/egress/to/podSelector/matchLabels',
  ].map((path) => fieldSpec(path, { kind: 'NetworkPolicy', group: 'networking.k8s.io' })),
];

const metadataLabels = fieldSpec('metadata/labels', { create: true });

/** The field specs of `commonLabels`: metadata, templates and selectors. */
export const commonLabelSpecs: readonly FieldSpec[] = [
  metadataLabels,
  ...templateLabelSpecs,
  ...selectorLabelSpecs,
];

/** The field specs of one `labels` entry. */
export function labelEntrySpecs(options: {
  includeSelectors: boolean;
  includeTemplates: boolean;
}): readonly FieldSpec[] {
  if (options.includeSelectors) return commonLabelSpecs;
  if (options.includeTemplates) return [metadataLabels, ...templateLabelSpecs];
  return [metadataLabels];
}

export const commonAnnotationSpecs: readonly FieldSpec[] = [
  fieldSpec('metadata/annotations', { create: true }),
  ...templateSpecs('annotations'),
];

/** Sets every pair on every field the specs reach, creating maps where the spec allows. */
export function setPairs(
  resources: readonly Resource[],
  pairs: Readonly<Record<string, string>>,
  specs: readonly FieldSpec[],
): void {
  const keys = Object.keys(pairs);
  if (keys.length === 0) return;
  for (const resource of resources) {
    applyFieldSpecs(resource, specs, (parent, key) => {
      let target = parent[key];
      if (target === undefined || target === null) {
        target = newMap();
        parent[key] = target;
      }
      if (!isMap(target)) {
        throw new KustomizeError(
          `${resource.origin}: ${resource.kind} ${resource.name}: field ${key} is not a map`,
        );
      }
      for (const pairKey of keys) target[pairKey] = pairs[pairKey] ?? '';
    });
  }
}

/** One `labels` entry: its pairs set on metadata, and on templates and selectors if asked. */
export function applyLabelEntry(
  entry: ValueMap,
  resources: readonly Resource[],
  origin: string,
  crds: CrdConfig,
): void {
  for (const key of Object.keys(entry)) {
    if (!['pairs', 'includeSelectors', 'includeTemplates', 'fields'].includes(key)) {
      throw new KustomizeError(`${origin}: unknown field "${key}" in labels`);
    }
  }
  const pairs = entry.pairs == null ? {} : stringMapOf(entry.pairs, `${origin}: labels.pairs`);
  const includeSelectors = entry.includeSelectors === true;
  const includeTemplates = entry.includeTemplates === true;
  const specs = [
    ...labelEntrySpecs({ includeSelectors, includeTemplates }),
    ...(includeSelectors ? crds.labelSpecs : []),
    ...(!includeSelectors && includeTemplates ? crds.templateLabelSpecs : []),
  ];
  setPairs(resources, pairs, [...specs, ...customFieldSpecs(entry.fields, origin)]);
}

/** `labels[].fields`: extra field specs, `{path, kind, group, version, create}`. */
function customFieldSpecs(value: Value | undefined, origin: string): FieldSpec[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new KustomizeError(`${origin}: labels[].fields must be a list`);
  return value.map((item) => {
    if (!isMap(item) || typeof item.path !== 'string') {
      throw new KustomizeError(`${origin}: every labels[].fields entry needs a path`);
    }
    const options: { kind?: string; group?: string; version?: string; create?: boolean } = {
      create: item.create === true,
    };
    for (const key of ['kind', 'group', 'version'] as const) {
      const field = item[key];
      if (typeof field === 'string') options[key] = field;
    }
    return fieldSpec(item.path, options);
  });
}
