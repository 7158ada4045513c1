import { GitError, redactUrl } from './errors.js';
import type { Transport } from './http-client.js';

/** What to ask a server for: the commits wanted and, for a shallow fetch, the depth. */
export interface PackRequest {
  readonly wants: readonly string[];
  readonly depth?: number;
}

const capabilities = 'side-band-64k ofs-delta shallow no-progress agent=tide';

/**
 * One smart-HTTP `git-upload-pack` exchange (protocol v0/v1): sends the wants (and `deepen`),
 * reads the shallow list and NAK, and collects the packfile from side band 1. Errors on
 * band 3 become GitErrors naming the repository.
 */
export async function fetchPackfile(
  http: Transport,
  url: string,
  request: PackRequest,
): Promise<Buffer> {
  const body = uploadPackRequest(url, request);
  const service = `${url.replace(/\/+$/, '')}/git-upload-pack`;
  const response = await http.request({
    url: service,
    method: 'POST',
    headers: {
      'content-type': 'application/x-git-upload-pack-request',
      accept: 'application/x-git-upload-pack-result',
    },
    body: singleChunk(body),
  });
  const chunks: Buffer[] = [];
  for await (const chunk of response.body ?? []) chunks.push(Buffer.from(chunk));
  const answer = Buffer.concat(chunks);
  if (response.statusCode === 401 || response.statusCode === 403) {
    throw new GitError(
      'AuthenticationFailed',
      `authentication failed for ${redactUrl(url)} (HTTP ${response.statusCode})`,
    );
  }
  if (response.statusCode !== 200) {
    throw new GitError(
      'OperationFailed',
      `${redactUrl(url)}: git-upload-pack answered HTTP ${response.statusCode}`,
    );
  }
  return packFromResponse(answer, redactUrl(url), request.depth !== undefined);
}

/**
 * The request half of a protocol v0/v1 `git-upload-pack` exchange, the same over smart HTTP
 * and SSH: the wants (capabilities on the first), `deepen` for a shallow fetch, flush, done.
 */
export function uploadPackRequest(url: string, request: PackRequest): Buffer {
  if (request.wants.length === 0)
    throw new GitError('InvalidReference', `${redactUrl(url)}: nothing to fetch`);
  const lines: (string | null)[] = request.wants.map(
    (oid, i) => `want ${oid}${i === 0 ? ` ${capabilities}` : ''}\n`,
  );
  if (request.depth !== undefined) lines.push(`deepen ${request.depth}\n`);
  lines.push(null, 'done\n');
  return Buffer.concat(lines.map(pktLine));
}

/** isomorphic-git's transport interface takes request bodies as async iterators. */
async function* singleChunk(chunk: Buffer): AsyncIterableIterator<Uint8Array> {
  yield await Promise.resolve(chunk);
}

export function pktLine(line: string | null): Buffer {
  if (line === null) return Buffer.from('0000');
  const payload = Buffer.from(line);
  return Buffer.concat([Buffer.from((payload.length + 4).toString(16).padStart(4, '0')), payload]);
}

/** Walks the response's pkt-lines: shallow section, NAK/ACK, then side-band packets. */
export function packFromResponse(answer: Buffer, url: string, shallow: boolean): Buffer {
  let pos = 0;
  const next = (): Buffer | null => {
    if (pos + 4 > answer.length)
      throw new GitError('OperationFailed', `${url}: truncated git-upload-pack response`);
    const length = Number.parseInt(answer.toString('latin1', pos, pos + 4), 16);
    if (Number.isNaN(length))
      throw new GitError('OperationFailed', `${url}: malformed git-upload-pack response`);
    if (length === 0) {
      pos += 4;
      return null;
    }
    const payload = answer.subarray(pos + 4, pos + length);
    pos += length;
    return payload;
  };
  if (shallow) {
    for (let line = next(); line !== null; line = next()) {
      const text = line.toString('latin1');
      if (!text.startsWith('shallow ') && !text.startsWith('unshallow ')) {
        throw serverError(text, url);
      }
    }
  }
  const acknowledgement = next();
  const ack = acknowledgement?.toString('latin1') ?? '';
  if (!ack.startsWith('NAK') && !ack.startsWith('ACK')) throw serverError(ack, url);
  const pack: Buffer[] = [];
  for (
    let packet = next();
    packet !== null && pos <= answer.length;
    packet = pos < answer.length ? next() : null
  ) {
    const band = packet[0];
    if (band === 1) pack.push(packet.subarray(1));
    else if (band === 3)
      throw new GitError(
        'OperationFailed',
        `${url}: ${packet.subarray(1).toString('utf8').trim()}`,
      );
  }
  return Buffer.concat(pack);
}

function serverError(text: string, url: string): GitError {
  const message = text.startsWith('ERR ')
    ? text.slice(4)
    : 'not a git-upload-pack answer (the response is not shown)';
  return new GitError('OperationFailed', `${url}: ${message.trim()}`);
}
