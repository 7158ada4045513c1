// The field support matrix: for every leaf field of every kind's spec, whether Tide does what
// Flux does with it (`supported`) or refuses an object that sets it (`refused: <what to do>`).
// Controllers consult it before they fetch, build or apply, so a field Tide cannot honour is
// never silently ignored; the README's supported-fields section is generated from it; a test
// checks that it classifies every leaf of every served version and names no path that does
// not exist. Status fields are not in it: they are written by controllers, not set by users.
//
// Keys are rules, most specific first when looked up:
//   `spec.provider=generic`  the leaf, when it is set to this value
//   `spec.ref.branch`        the leaf
//   `spec.verify.*`          every leaf under spec.verify (arrays included)
//   `spec.*`                 every leaf of the kind
// Turning a refused field into a supported one is a one-line edit of its rule.
import { servedKind } from './kinds.js';
import { setFields, specSchema } from './fields.js';
import type { KindDefinition } from './crd.js';
import type { JsonValue } from './openapi.js';

/** `supported`, optionally with a note for the README, or `refused: <reason and what to do>`. */
export type Support = 'supported' | `supported: ${string}` | `refused: ${string}`;

export type SupportRules = Readonly<Record<string, Support>>;

const sourceNotYet = (kind: string): Support =>
  `refused: ${kind} has no controller in Tide yet (source-controller reconciles GitRepository, HelmRepository and HelmChart); nothing would fetch it`;

const workloadIdentity: Support =
  'refused: cloud workload identity is not supported; remove it and give credentials in spec.secretRef';

export const supportMatrix: Readonly<Record<string, SupportRules>> = {
  GitRepository: {
    'spec.url': 'supported: http://, https:// and ssh://',
    'spec.secretRef.name':
      'supported: username/password, bearerToken, ca.crt and tls.crt/tls.key (mTLS) over https; identity, password and known_hosts for SSH',
    'spec.provider':
      'refused: provider azure, github and aws (workload identity, GitHub App) are not supported; set provider generic (or remove it) and give credentials in spec.secretRef',
    'spec.provider=generic': 'supported',
    'spec.serviceAccountName': workloadIdentity,
    'spec.interval': 'supported',
    'spec.timeout': 'supported',
    'spec.ref.*': 'supported',
    'spec.verify.*':
      'supported: OpenPGP keys and SSH public keys (authorized_keys or allowed_signers lines) from every entry of the Secret; modes HEAD, Tag, TagAndHEAD',
    'spec.proxySecretRef.name':
      'supported: an http:// proxy (address, username, password), CONNECT for https remotes; not with SSH URLs',
    'spec.ignore': 'supported',
    'spec.suspend': 'supported',
    'spec.recurseSubmodules': 'supported',
    'spec.include.*': 'supported',
    'spec.sparseCheckout[]': 'supported',
    'spec.gitImplementation': 'supported: deprecated and ignored; Tide has one Git client',
    'spec.accessFrom.*': 'supported: deprecated and ignored, as in Flux',
  },
  HelmRepository: {
    'spec.url': 'supported',
    'spec.type':
      "refused: HelmRepository type 'oci' is not supported yet; use an HTTP(S) chart repository",
    'spec.type=default': 'supported',
    'spec.secretRef.name': 'supported',
    'spec.certSecretRef.name':
      'supported: ca.crt and tls.crt/tls.key (mTLS), for the index and chart downloads',
    'spec.passCredentials': 'supported',
    'spec.provider': 'supported: only used by OCI repositories, as in Flux',
    'spec.insecure': 'supported',
    'spec.interval': 'supported',
    'spec.timeout': 'supported: bounds the index download and the chart downloads',
    'spec.suspend': 'supported',
    'spec.accessFrom.*': 'supported: deprecated and ignored, as in Flux',
  },
  HelmChart: {
    'spec.chart': 'supported',
    'spec.version': 'supported',
    'spec.sourceRef.apiVersion': 'supported',
    'spec.sourceRef.kind':
      'refused: charts from a Bucket source are not supported yet; use a HelmRepository or a GitRepository',
    'spec.sourceRef.kind=HelmRepository': 'supported',
    'spec.sourceRef.kind=GitRepository': 'supported',
    'spec.sourceRef.name': 'supported',
    'spec.interval': 'supported',
    'spec.reconcileStrategy': 'supported',
    'spec.valuesFiles[]': 'supported',
    'spec.valuesFile': 'supported',
    'spec.ignoreMissingValuesFiles': 'supported',
    'spec.suspend': 'supported',
    'spec.verify.*':
      'supported: Flux verifies only OCI charts, which Tide does not fetch yet; ignored for HTTP and Git charts, as in Flux',
    'spec.accessFrom.*': 'supported: deprecated and ignored, as in Flux',
  },
  OCIRepository: { 'spec.*': sourceNotYet('OCIRepository') },
  Bucket: { 'spec.*': sourceNotYet('Bucket') },
  Kustomization: {
    'spec.*': 'supported',
    'spec.sourceRef.kind=ExternalArtifact':
      'refused: ExternalArtifact sources are not supported; use GitRepository, OCIRepository or Bucket',
    'spec.decryption.*':
      'refused: SOPS decryption (spec.decryption) is not supported yet; remove it and keep encrypted Secrets out of the path, or decrypt them before they reach Git',
    'spec.kubeConfig.configMapRef.name':
      'refused: spec.kubeConfig.configMapRef (workload identity of a cloud provider) is not supported; use spec.kubeConfig.secretRef',
    'spec.validation': 'supported: deprecated and ignored, as Flux did',
  },
  HelmRelease: {
    'spec.*':
      'refused: HelmRelease has no controller in Tide yet (issue 19); nothing would install this release',
  },
  ImageRepository: {
    'spec.*': 'refused: ImageRepository has no controller in Tide yet (issue 17)',
  },
  ImagePolicy: { 'spec.*': 'refused: ImagePolicy has no controller in Tide yet (issue 17)' },
  ImageUpdateAutomation: {
    'spec.*': 'refused: ImageUpdateAutomation has no controller in Tide yet (issue 18)',
  },
};

/** A set field Tide refuses, and what to do about it. */
export interface FieldRefusal {
  readonly path: string;
  readonly reason: string;
}

export class UnservedKindError extends Error {
  override readonly name = 'UnservedKindError';
  constructor(apiVersion: string, kind: string) {
    super(`Tide serves no ${apiVersion} ${kind}`);
  }
}

/** The rule for a leaf path (and value, if set) of a kind; undefined when none matches. */
export function supportOf(kind: string, path: string, value?: JsonValue): Support | undefined {
  const rules = supportMatrix[kind];
  if (rules === undefined) return undefined;
  if (value !== undefined && isScalar(value)) {
    const byValue = rules[`${path}=${String(value)}`];
    if (byValue !== undefined) return byValue;
  }
  const exact = rules[path];
  if (exact !== undefined) return exact;
  let best: { length: number; support: Support } | undefined;
  for (const [rule, support] of Object.entries(rules)) {
    if (!rule.endsWith('.*')) continue;
    const base = rule.slice(0, -2);
    if (!covers(base, path)) continue;
    if (best === undefined || base.length > best.length) best = { length: base.length, support };
  }
  return best?.support;
}

/** The path a rule is about: `spec.provider=generic` and `spec.verify.*` name spec.provider and spec.verify. */
export function ruleBase(rule: string): string {
  if (rule.endsWith('.*')) return rule.slice(0, -2);
  const equals = rule.indexOf('=');
  return equals === -1 ? rule : rule.slice(0, equals);
}

/** Whether `base` is the leaf or an ancestor of it (`spec.include` covers `spec.include[].toPath`). */
export function covers(base: string, path: string): boolean {
  return path === base || path.startsWith(`${base}.`) || path.startsWith(`${base}[]`);
}

export function isRefused(support: Support): support is `refused: ${string}` {
  return support.startsWith('refused: ');
}

/**
 * The fields `object` sets in its spec that Tide refuses, each once, sorted by path (so a
 * condition message does not change with the order of the object's keys). A field the schema does not know is refused too (the API server prunes those, so
 * only an object that never went through it can carry one).
 */
export function unsupportedFields(
  kind: string,
  apiVersion: string,
  object: { readonly spec?: unknown },
): FieldRefusal[] {
  const definition = servedKind(apiVersion, kind);
  const version = definition?.versions.find((v) => `${definition.group}/${v.name}` === apiVersion);
  if (definition === undefined || version === undefined)
    throw new UnservedKindError(apiVersion, kind);
  const refusals = new Map<string, string>();
  for (const field of setFields(object.spec, specSchema(definition, version), 'spec')) {
    if (refusals.has(field.path)) continue;
    const reason = refusalOf(definition, apiVersion, field.path, field.value, field.known);
    if (reason !== undefined) refusals.set(field.path, reason);
  }
  return [...refusals]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([path, reason]) => ({ path, reason }));
}

function refusalOf(
  definition: KindDefinition,
  apiVersion: string,
  path: string,
  value: JsonValue,
  known: boolean,
): string | undefined {
  if (!known) return `not a field of ${apiVersion} ${definition.kind}; remove it`;
  const support = supportOf(definition.kind, path, value);
  if (support === undefined) return `not classified in Tide's support matrix; remove it`;
  return isRefused(support) ? support.slice('refused: '.length) : undefined;
}

/**
 * One message naming every refused field and what to do, fields with the same reason
 * together: `spec.verify.mode, spec.verify.secretRef.name: ...; spec.provider: ...`.
 */
export function refusalMessage(refusals: readonly FieldRefusal[]): string {
  const byReason = new Map<string, string[]>();
  for (const { path, reason } of refusals) {
    const paths = byReason.get(reason) ?? [];
    paths.push(path);
    byReason.set(reason, paths);
  }
  const parts = [...byReason].map(([reason, paths]) => `${paths.join(', ')}: ${reason}`);
  const noun = refusals.length === 1 ? 'field' : 'fields';
  return `unsupported ${noun} set: ${parts.join('; ')}`;
}

/**
 * What a controller asks before it reconciles: the message naming every refused field the
 * object sets (read at the apiVersion it came in), or undefined when Tide honours all of them.
 */
export function unsupportedFieldsMessage(object: {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly spec?: unknown;
}): string | undefined {
  const refusals = unsupportedFields(object.kind ?? '', object.apiVersion ?? '', object);
  return refusals.length === 0 ? undefined : refusalMessage(refusals);
}

/**
 * The check a reconciler of one kind runs: objects are read at the storage version, so the
 * kind and version come from the reconciler, not from the object.
 */
export function fieldSupportCheck(kind: {
  readonly apiVersion: string;
  readonly kind: string;
}): (object: { readonly spec?: unknown }) => string | undefined {
  return (object) =>
    unsupportedFieldsMessage({ apiVersion: kind.apiVersion, kind: kind.kind, spec: object.spec });
}

function isScalar(value: JsonValue): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}
