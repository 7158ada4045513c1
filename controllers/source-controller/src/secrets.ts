import { GenericError } from '@tide/runtime';
import { ConditionReason } from '@tide/api';
import { secretKind } from './kinds.js';
import { isApiError, type KubeClient } from '@tide/kube';

interface SecretObject {
  metadata: { name?: string; namespace?: string };
  data?: Record<string, string>;
}

/**
 * The decoded data of a Secret a source references. A missing Secret is a retryable
 * AuthenticationFailed: it may be created after the source (as Flux treats it).
 */
export async function readSecretData(
  client: KubeClient,
  namespace: string,
  name: string,
  owner: string,
): Promise<Record<string, Buffer>> {
  let secret: SecretObject;
  try {
    secret = await client.get<SecretObject>(secretKind, namespace, name);
  } catch (error) {
    const why = isApiError(error, 404)
      ? 'not found'
      : error instanceof Error
        ? error.message
        : String(error);
    throw new GenericError(
      ConditionReason.AuthenticationFailed,
      `${owner}: failed to get secret '${namespace}/${name}': ${why}`,
      { cause: error },
    );
  }
  const data: Record<string, Buffer> = {};
  for (const [key, value] of Object.entries(secret.data ?? {}))
    data[key] = Buffer.from(value, 'base64');
  return data;
}
