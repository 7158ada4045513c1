import type { Manifest } from '@tide/kube';
/**
 * `flux build kustomization` never prints SOPS ciphertext: a SOPS-encrypted Secret's values
 * become `**SOPS**` (base64 in `data`) and the `sops` metadata goes. Plain Secrets are
 * printed as built, as flux does. Tide does not decrypt SOPS yet, so this only keeps the
 * build output of an encrypted repository readable and free of key material.
 */

export const sopsMask = '**SOPS**';
const dockerConfigJsonType = 'kubernetes.io/dockerconfigjson';

/** Copies of the objects with SOPS data masked and `sops` metadata removed. */
export function maskSopsData(objects: readonly Manifest[]): Manifest[] {
  return objects.map((object) => {
    if (object.apiVersion === 'v1' && object.kind === 'Secret') return maskSecret(object);
    return 'sops' in object ? withoutSops(object) : object;
  });
}

function withoutSops(object: Manifest): Manifest {
  const copy = { ...object };
  delete copy.sops;
  return copy;
}

function maskSecret(secret: Manifest): Manifest {
  const masked = withoutSops(secret);
  if (isEncryptedWhole(secret.sops)) {
    const mask =
      secret.type === dockerConfigJsonType ? JSON.stringify({ mask: sopsMask }) : sopsMask;
    replaceValues(masked, 'data', () => true, Buffer.from(mask).toString('base64'));
    replaceValues(masked, 'stringData', () => true, mask);
    return masked;
  }
  // Values encrypted one by one (a file generated into the Secret, say).
  replaceValues(
    masked,
    'data',
    (value) => looksEncrypted(Buffer.from(value, 'base64').toString('utf8')),
    Buffer.from(sopsMask).toString('base64'),
  );
  replaceValues(masked, 'stringData', looksEncrypted, sopsMask);
  return masked;
}

/** A whole-object SOPS envelope: `sops:` metadata with an encrypted MAC. */
function isEncryptedWhole(sops: unknown): boolean {
  if (typeof sops !== 'object' || sops === null) return false;
  const mac = (sops as Record<string, unknown>).mac;
  return typeof mac === 'string' && mac.startsWith('ENC[');
}

function looksEncrypted(text: string): boolean {
  return text.includes('sops') && text.includes('ENC[');
}

function replaceValues(
  secret: Manifest,
  field: 'data' | 'stringData',
  when: (value: string) => boolean,
  mask: string,
): void {
  const values = secret[field];
  if (typeof values !== 'object' || values === null) return;
  secret[field] = Object.fromEntries(
    Object.entries(values).map(([key, value]) => [
      key,
      typeof value === 'string' && when(value) ? mask : value,
    ]),
  );
}
