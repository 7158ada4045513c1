// Shapes shared by several kinds: object references, conditions (metav1.Condition), source
// artifacts, cross-namespace access and kubeconfig references.
import Type, { type Static, type TProperties } from 'typebox';
import {
  Int64,
  Str,
  StringEnum,
  StringMap,
  Time,
  described,
  exactlyOneOf,
  rules,
} from './schema.js';

/** A reference to an object in the same namespace. */
export const LocalObjectReferenceSchema = Type.Object({
  name: Str({ description: 'Name of the referent.' }),
});
export type LocalObjectReference = Static<typeof LocalObjectReferenceSchema>;

/** The optional `secretRef` of kinds that fetch from a server: its credentials. */
export const credentialsSecretRef = () =>
  Type.Optional(described(LocalObjectReferenceSchema, 'Secret holding the credentials.'));

/** The optional `certSecretRef`: TLS material for the connection. */
export const certSecretRef = () =>
  Type.Optional(
    described(
      LocalObjectReferenceSchema,
      'Secret with a CA (ca.crt) and/or client certificate (tls.crt, tls.key).',
    ),
  );

/** The optional `proxySecretRef`: the proxy to connect through. */
export const proxySecretRef = () =>
  Type.Optional(
    described(
      LocalObjectReferenceSchema,
      'Secret with the proxy address (and credentials) to connect through.',
    ),
  );

/** A reference to a key of a Secret in the same namespace. */
export const SecretKeyReferenceSchema = Type.Object({
  name: Str({ description: 'Name of the Secret.' }),
  key: Type.Optional(Str({ description: 'Key in the Secret; the consumer has a default.' })),
});
export type SecretKeyReference = Static<typeof SecretKeyReferenceSchema>;

/** A reference to an object that may live in another namespace. */
export const NamespacedObjectReferenceSchema = Type.Object({
  name: Str({ description: 'Name of the referent.' }),
  namespace: Type.Optional(Str({ description: "Namespace of the referent; the object's own." })),
});
export type NamespacedObjectReference = Static<typeof NamespacedObjectReferenceSchema>;

/** A reference to any object, by kind. */
export const NamespacedObjectKindReferenceSchema = Type.Object({
  apiVersion: Type.Optional(Str()),
  kind: Str({ minLength: 1 }),
  name: Str({ minLength: 1 }),
  namespace: Type.Optional(Str()),
});
export type NamespacedObjectKindReference = Static<typeof NamespacedObjectKindReferenceSchema>;

/** Which namespaces may refer to a source from elsewhere (cross-namespace ACL). */
export const AccessFromSchema = Type.Object({
  namespaceSelectors: Type.Array(Type.Object({ matchLabels: Type.Optional(StringMap()) })),
});
export type AccessFrom = Static<typeof AccessFromSchema>;

/** A kubeconfig for a remote cluster: from a Secret key or from a ConfigMap. */
export const KubeConfigReferenceSchema = Type.Object(
  {
    secretRef: Type.Optional(SecretKeyReferenceSchema),
    configMapRef: Type.Optional(LocalObjectReferenceSchema),
  },
  rules(exactlyOneOf('spec.kubeConfig', ['secretRef', 'configMapRef'])),
);
export type KubeConfigReference = Static<typeof KubeConfigReferenceSchema>;

/** A label selector (metav1.LabelSelector). */
export const LabelSelectorSchema = Type.Object({
  matchLabels: Type.Optional(StringMap()),
  matchExpressions: Type.Optional(
    Type.Array(
      Type.Object({
        key: Str(),
        operator: Str(),
        values: Type.Optional(Type.Array(Str())),
      }),
    ),
  ),
});
export type LabelSelector = Static<typeof LabelSelectorSchema>;

/** metav1.Condition, field for field, with the API server's own limits. */
export const ConditionSchema = Type.Object({
  type: Str({
    maxLength: 316,
    pattern:
      '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
  }),
  status: StringEnum(['True', 'False', 'Unknown']),
  observedGeneration: Type.Optional(Int64({ minimum: 0 })),
  lastTransitionTime: Time(),
  reason: Str({
    minLength: 1,
    maxLength: 1024,
    pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
  }),
  message: Str({ maxLength: 32768 }),
});

/** What a source publishes: where to download it and what it holds. */
export const ArtifactSchema = Type.Object({
  path: Str({ description: 'Path of the artifact relative to the storage root.' }),
  url: Str({ description: 'HTTP address the artifact can be downloaded from.' }),
  revision: Str({ description: 'Human-readable revision, e.g. main@sha1:<hex>.' }),
  digest: Type.Optional(Str({ pattern: '^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$' })),
  lastUpdateTime: Time(),
  size: Type.Optional(Int64()),
  metadata: Type.Optional(StringMap()),
});

/** The status fields every Tide kind has. */
const commonStatusFields = {
  observedGeneration: Type.Optional(Int64()),
  conditions: Type.Optional(Type.Array(ConditionSchema)),
  lastHandledReconcileAt: Type.Optional(Str()),
};

/**
 * A kind's status: the fields every kind has, then its own. Per kstatus an object starts as
 * not yet observed (`observedGeneration: -1`).
 */
export function statusSchema<Fields extends TProperties>(fields: Fields) {
  return Type.Object({ ...commonStatusFields, ...fields }, { default: { observedGeneration: -1 } });
}

/** A dependency on another object of the same kind, which must be Ready first. */
export const DependencyReferenceSchema = Type.Object({
  name: Str(),
  namespace: Type.Optional(Str()),
  readyExpr: Type.Optional(Str({ description: 'CEL expression; replaces the Ready check.' })),
});
export type DependencyReference = Static<typeof DependencyReferenceSchema>;

/** A signature verification policy for OCI artifacts and charts. */
export const OciVerificationSchema = Type.Object({
  provider: StringEnum(['cosign', 'notation'], { default: 'cosign' }),
  secretRef: Type.Optional(LocalObjectReferenceSchema),
  matchOIDCIdentity: Type.Optional(Type.Array(Type.Object({ issuer: Str(), subject: Str() }))),
});
export type OciVerification = Static<typeof OciVerificationSchema>;

/** The objects a reconciler applied (kustomize-controller, helm-controller). */
export const ResourceInventorySchema = Type.Object({
  entries: Type.Array(
    Type.Object({
      id: Str({ description: 'namespace_name_group_kind of the object.' }),
      v: Str({ description: 'Version of the object.' }),
    }),
  ),
});
export type ResourceInventory = Static<typeof ResourceInventorySchema>;
