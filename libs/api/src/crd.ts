// Assembles CustomResourceDefinitions from kind definitions and renders them as YAML. The
// output is a pure function of the definitions, so `make crds` is reproducible and a test can
// compare crds/ with it byte for byte.
import Type, { type TSchema } from 'typebox';
import { stringify } from 'yaml';
import { toStructural, type JsonObject } from './openapi.js';

/**
 * The categories every kind is in, as Flux 2.9 has them: `all` (so `kubectl get all` lists
 * it), `fluxcd` (`kubectl get fluxcd` lists every Flux object) and one per role, plus Tide's
 * own `tide`.
 */
export const categories = ['all', 'fluxcd', 'tide'] as const;

/** The role category of each Flux API group (`kubectl get fluxcd-sources`, ...). */
export const groupCategories: Readonly<Record<string, string>> = {
  'source.toolkit.fluxcd.io': 'fluxcd-sources',
  'kustomize.toolkit.fluxcd.io': 'fluxcd-appliers',
  'helm.toolkit.fluxcd.io': 'fluxcd-appliers',
  'image.toolkit.fluxcd.io': 'fluxcd-images',
  'notification.toolkit.fluxcd.io': 'fluxcd-notifications',
};

/** `all`, `fluxcd`, the group's role category and `tide`, in Flux's order. */
export function categoriesOf(definition: KindDefinition): string[] {
  const role = groupCategories[definition.group];
  if (role === undefined) throw new Error(`no category for API group ${definition.group}`);
  return ['all', 'fluxcd', role, 'tide'];
}

/** One `additionalPrinterColumns` entry. */
export interface PrinterColumn {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  readonly jsonPath: string;
  readonly description?: string;
  /** 0 shows in `kubectl get`; 1 only with `-o wide`. */
  readonly priority?: number;
}

export interface VersionDefinition {
  readonly name: string;
  readonly spec: TSchema;
  readonly status: TSchema;
  /** Key fields shown before Ready, Status and Age. */
  readonly columns: readonly PrinterColumn[];
  /** Set on versions kept only for old manifests. */
  readonly deprecationWarning?: string;
}

export interface KindDefinition {
  readonly group: string;
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly description: string;
  /** The storage version first, then the older served ones. */
  readonly versions: readonly [VersionDefinition, ...VersionDefinition[]];
}

/** An older served version: its name, and its own spec schema or columns where they differ. */
export type OlderVersion =
  | string
  | {
      readonly name: string;
      readonly spec?: TSchema;
      readonly columns?: readonly PrinterColumn[];
    };

/**
 * A kind's versions: `storage` with `shape`, then each older one served with the same shape
 * (or its own spec or columns) and a deprecation warning that names the version to upgrade to.
 */
export function servedVersions(
  kind: string,
  storage: string,
  shape: Omit<VersionDefinition, 'name' | 'deprecationWarning'>,
  older: readonly OlderVersion[],
): KindDefinition['versions'] {
  const served = older.map((version): VersionDefinition => {
    const own = typeof version === 'string' ? { name: version } : version;
    return {
      ...shape,
      ...own,
      deprecationWarning: `${own.name} ${kind} is deprecated, upgrade to ${storage}`,
    };
  });
  return [{ name: storage, ...shape }, ...served];
}

/** The columns every kind shows after its key fields (kstatus Ready, its message, age). */
export const commonColumns: readonly PrinterColumn[] = [
  { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
  { name: 'Status', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].message' },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
];

export function crdName(definition: KindDefinition): string {
  return `${definition.plural}.${definition.group}`;
}

/** `crds/<group>_<plural>.yaml`, the file a kind's CRD lives in. */
export function crdFileName(definition: KindDefinition): string {
  return `${definition.group}_${definition.plural}.yaml`;
}

/** The whole object schema of one version: apiVersion, kind, metadata, spec and status. */
export function versionSchema(definition: KindDefinition, version: VersionDefinition): JsonObject {
  const root = Type.Object(
    {
      apiVersion: Type.Optional(Type.String()),
      kind: Type.Optional(Type.String()),
      metadata: Type.Optional(Type.Unsafe<Record<string, unknown>>({ type: 'object' })),
      spec: version.spec,
      status: Type.Optional(version.status),
    },
    { description: definition.description },
  );
  return toStructural(root);
}

/** The CustomResourceDefinition of a kind, every version served, the first one stored. */
export function buildCrd(definition: KindDefinition): JsonObject {
  const versions = definition.versions.map((version, index) => {
    const entry: JsonObject = {
      name: version.name,
      served: true,
      storage: index === 0,
    };
    if (version.deprecationWarning !== undefined) {
      entry.deprecated = true;
      entry.deprecationWarning = version.deprecationWarning;
    }
    entry.additionalPrinterColumns = [...version.columns, ...commonColumns].map(printerColumn);
    entry.schema = { openAPIV3Schema: versionSchema(definition, version) };
    entry.subresources = { status: {} };
    return entry;
  });
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: crdName(definition),
      labels: { 'app.kubernetes.io/part-of': 'tide' },
      // A Kustomization applying these CRDs must not run ${var} substitution over them.
      annotations: { 'kustomize.toolkit.fluxcd.io/substitute': 'disabled' },
    },
    spec: {
      group: definition.group,
      names: {
        kind: definition.kind,
        listKind: `${definition.kind}List`,
        plural: definition.plural,
        singular: definition.singular,
        shortNames: [...definition.shortNames],
        categories: categoriesOf(definition),
      },
      scope: 'Namespaced',
      // Versions share one stored shape; see libs/api/README.md for why no webhook.
      conversion: { strategy: 'None' },
      versions,
    },
  };
}

function printerColumn(column: PrinterColumn): JsonObject {
  const out: JsonObject = { name: column.name, type: column.type, jsonPath: column.jsonPath };
  if (column.description !== undefined) out.description = column.description;
  if (column.priority !== undefined) out.priority = column.priority;
  return out;
}

const header =
  '# Generated by `make crds` from libs/api (Tide). Do not edit: change libs/api and regenerate.\n';

/** The YAML text of a kind's CRD file. */
export function renderCrd(definition: KindDefinition): string {
  return `${header}---\n${stringify(buildCrd(definition), { lineWidth: 0 })}`;
}
