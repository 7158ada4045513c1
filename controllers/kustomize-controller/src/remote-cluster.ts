import { createHash } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import { ConditionReason, type Kustomization } from '@tide/api';
import { KustomizeError, parseDocuments, type Value } from '@tide/kustomize';
import { GenericError, StallingError } from '@tide/runtime';
import { readData } from '@tide/kustomization';
import type { KubeClient } from '@tide/kube';

/**
 * `spec.kubeConfig`: the cluster a Kustomization applies to when it is not this one. The
 * kubeconfig comes from a Secret in the Kustomization's namespace (key `value` or
 * `value.yaml`, or `secretRef.key`). Because anyone who may write that Secret chooses what
 * the controller runs and reads, the kubeconfig must carry its credentials inline: paths to
 * files on the controller's disk are refused, and exec plugins and skipping TLS
 * verification are refused unless the controller was started with
 * `--insecure-kubeconfig-exec` / `--insecure-kubeconfig-tls` (Flux's flags).
 */

export interface RemoteClusterPolicy {
  readonly allowExec: boolean;
  readonly allowInsecureTls: boolean;
}

export interface RemoteKubeConfig {
  readonly kubeConfig: KubeConfig;
  /** The Secret, `ns/name`. */
  readonly secret: string;
  /** Identifies the kubeconfig's content: a rotated kubeconfig has another. */
  readonly digest: string;
  /** The Secret, for messages: `Secret/ns/name`. */
  readonly display: string;
}

/** The Secret keys read when `secretRef.key` is not set, in order (as in Flux). */
const defaultKeys = ['value', 'value.yaml'];

/** The user fields that name a file on the controller's disk. */
const userFileFields = ['client-certificate', 'client-key', 'token-file'];

/**
 * Reads and checks the kubeconfig of `spec.kubeConfig`; undefined when the Kustomization
 * applies to this cluster.
 */
export async function remoteKubeConfig(
  obj: Kustomization,
  client: KubeClient,
  policy: RemoteClusterPolicy,
): Promise<RemoteKubeConfig | undefined> {
  const reference = obj.spec.kubeConfig;
  if (reference === undefined) return undefined;
  if (reference.secretRef === undefined)
    throw new StallingError(
      ConditionReason.ReconciliationFailed,
      'spec.kubeConfig.configMapRef (workload identity of a cloud provider) is not supported: use spec.kubeConfig.secretRef',
    );
  const namespace = obj.metadata.namespace ?? '';
  const { name, key } = reference.secretRef;
  const display = `Secret/${namespace}/${name}`;
  const text = await readKubeConfigText(client, namespace, name, key, display);
  const config = checkKubeConfig(text, display, policy);
  // client-node loads exactly the document that was checked: as JSON, which its YAML parser
  // reads one way only (no parser differential). Its error text may quote the Secret, so it
  // is not copied into status.
  const kubeConfig = new KubeConfig();
  try {
    kubeConfig.loadFromString(JSON.stringify(config));
  } catch {
    throw invalid(
      display,
      'client-node cannot load it as a kubeconfig (check its clusters, users and contexts)',
    );
  }
  if (kubeConfig.getCurrentCluster() === null)
    throw invalid(display, 'its current context names no cluster');
  const digest = createHash('sha256').update(text).digest('hex').slice(0, 16);
  return { kubeConfig, secret: `${namespace}/${name}`, digest, display };
}

async function readKubeConfigText(
  client: KubeClient,
  namespace: string,
  name: string,
  key: string | undefined,
  display: string,
): Promise<string> {
  const data = await readData(client, namespace, { kind: 'Secret', name });
  if (data === undefined)
    throw new GenericError(
      ConditionReason.ReconciliationFailed,
      `spec.kubeConfig: ${display} not found`,
    );
  const wanted = key === undefined || key === '' ? defaultKeys : [key];
  const found = wanted.find((candidate) => data[candidate] !== undefined);
  if (found === undefined)
    throw invalid(display, `it has no key ${wanted.map((k) => `'${k}'`).join(' or ')}`);
  return data[found] ?? '';
}

/** Refuses what would let a Secret's author reach the controller's files or run programs. */
function checkKubeConfig(
  text: string,
  display: string,
  policy: RemoteClusterPolicy,
): Record<string, Value> {
  let documents: Value[];
  try {
    documents = parseDocuments(text, display);
  } catch (error) {
    throw invalid(display, error instanceof KustomizeError ? error.message : String(error));
  }
  const [config] = documents;
  if (!isMap(config)) throw invalid(display, 'it is not a kubeconfig (a YAML mapping)');
  for (const entry of listOf(config.users)) {
    const user = isMap(entry) && isMap(entry.user) ? entry.user : {};
    const userName = isMap(entry) && typeof entry.name === 'string' ? entry.name : '';
    for (const field of userFileFields)
      if (user[field] !== undefined)
        throw invalid(
          display,
          `user '${userName}' reads ${field} from a file; embed the credentials (client-certificate-data, client-key-data, token)`,
        );
    if ((user.exec !== undefined || user['auth-provider'] !== undefined) && !policy.allowExec)
      throw invalid(
        display,
        `user '${userName}' runs an exec or auth-provider plugin, which is refused unless the controller runs with --insecure-kubeconfig-exec`,
      );
  }
  for (const entry of listOf(config.clusters)) {
    const cluster = isMap(entry) && isMap(entry.cluster) ? entry.cluster : {};
    const clusterName = isMap(entry) && typeof entry.name === 'string' ? entry.name : '';
    if (cluster['certificate-authority'] !== undefined)
      throw invalid(
        display,
        `cluster '${clusterName}' reads certificate-authority from a file; embed it as certificate-authority-data`,
      );
    if (cluster['insecure-skip-tls-verify'] === true && !policy.allowInsecureTls)
      throw invalid(
        display,
        `cluster '${clusterName}' skips TLS verification, which is refused unless the controller runs with --insecure-kubeconfig-tls`,
      );
  }
  return config;
}

/** Retried with backoff: the fix is an edit of the Secret, which is not watched. */
function invalid(display: string, why: string): GenericError {
  return new GenericError(
    ConditionReason.ReconciliationFailed,
    `spec.kubeConfig: the kubeconfig in ${display} is invalid: ${why}`,
  );
}

function isMap(value: Value | undefined): value is Record<string, Value> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function listOf(value: Value | undefined): readonly Value[] {
  return Array.isArray(value) ? value : [];
}
