import { createHash } from 'node:crypto';

/** `sha256:<hex>` of the bytes, the digest format artifacts carry in status. */
export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Parses `<algorithm>:<hex>`; only sha256 is produced or accepted. */
export function parseDigest(digest: string): { algorithm: 'sha256'; hex: string } {
  const match = /^sha256:([a-f0-9]{64})$/.exec(digest);
  if (match?.[1] === undefined) {
    throw new Error(
      `invalid digest ${JSON.stringify(digest)}: want sha256:<64 lowercase hex digits>`,
    );
  }
  return { algorithm: 'sha256', hex: match[1] };
}
