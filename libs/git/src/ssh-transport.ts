import ssh2 from 'ssh2';
import type { ClientChannel, ConnectConfig, PublicKeyAuthMethod } from 'ssh2';
import { GitError, redactUrl } from './errors.js';
import { missingSshSecret, type SshCredentials } from './ssh-auth.js';
import { describeHostKey } from './ssh-known-hosts.js';
import { parseSshUrl, sshServiceCommand, type SshAddress } from './ssh-url.js';
import { packFromResponse, pktLine, uploadPackRequest, type PackRequest } from './upload-pack.js';

/** An SSH remote: the address, the secret's key and known_hosts, and the bounds (as HTTP). */
export interface SshRemote {
  readonly url: string;
  readonly ssh?: SshCredentials;
  readonly timeoutMs: number;
  readonly maxBytes?: number;
}

/** A ref from the server's advertisement, annotated tags peeled. */
export interface AdvertisedRef {
  readonly ref: string;
  readonly oid: string;
  readonly peeled?: string;
}

/** `git ls-remote` over SSH: the advertisement git-upload-pack sends first, then a flush. */
export async function listRefsOverSsh(remote: SshRemote): Promise<AdvertisedRef[]> {
  return withUploadPack(remote, async (session) => {
    const refs = await session.advertisement();
    session.end(pktLine(null));
    return refs;
  });
}

/**
 * One upload-pack exchange over SSH (protocol v0, Tide's own pack code as over HTTP): reads
 * the advertisement, asks `wants` what to fetch from it, sends the request and returns the
 * packfile and the bytes received.
 */
export async function fetchPackOverSsh(
  remote: SshRemote,
  wants: (refs: readonly AdvertisedRef[]) => PackRequest,
): Promise<{ pack: Buffer; bytes: number }> {
  return withUploadPack(remote, async (session) => {
    const request = wants(await session.advertisement());
    session.end(uploadPackRequest(remote.url, request));
    const answer = await session.rest();
    return {
      pack: packFromResponse(answer, redactUrl(remote.url), request.depth !== undefined),
      bytes: session.bytesReceived(),
    };
  });
}

interface UploadPackSession {
  advertisement(): Promise<AdvertisedRef[]>;
  /** Writes the request and closes our side of the channel. */
  end(body: Buffer): void;
  /** Everything the server sends after the advertisement, once it has closed the channel. */
  rest(): Promise<Buffer>;
  bytesReceived(): number;
}

/**
 * Connects (host key checked against known_hosts, public key auth only), runs
 * `git-upload-pack '<path>'` and hands the channel to `operation`, all within the remote's
 * deadline and byte budget. The connection is closed whatever happens.
 */
async function withUploadPack<T>(
  remote: SshRemote,
  operation: (session: UploadPackSession) => Promise<T>,
): Promise<T> {
  const safeUrl = redactUrl(remote.url);
  const address = parseSshUrl(remote.url);
  if (remote.ssh === undefined) throw missingSshSecret(safeUrl);
  const connection = new SshConnection(remote, address, remote.ssh, safeUrl);
  try {
    const channel = await connection.exec(sshServiceCommand('git-upload-pack', address.path));
    return await operation(connection.session(channel));
  } catch (error) {
    throw connection.failure() ?? asGitError(error, safeUrl);
  } finally {
    connection.close();
  }
}

/** Server text quoted in a message: one line, printable, short. */
function serverText(text: string): string {
  const line = text
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '');
  // eslint-disable-next-line no-control-regex
  return (line ?? '').replace(/[\u0000-\u001f\u007f]/g, '').slice(0, 200);
}

function asGitError(error: unknown, safeUrl: string): GitError {
  if (error instanceof GitError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new GitError('OperationFailed', `${safeUrl}: ${message}`, { cause: error });
}

/** One ssh2 client connection, remembering the first failure in Tide's words. */
class SshConnection {
  private readonly client = new ssh2.Client();
  private firstFailure: GitError | undefined;
  private readonly timer: NodeJS.Timeout;
  private received = 0;
  private readonly ready: Promise<void>;
  /** The identity's type and fingerprint, to say which key was refused. */
  private readonly identity: string;

  constructor(
    private readonly remote: SshRemote,
    private readonly address: SshAddress,
    credentials: SshCredentials,
    private readonly safeUrl: string,
  ) {
    const { host, port, username } = address;
    const publicBlob = credentials.identity.getPublicSSH();
    const described = describeHostKey(publicBlob);
    this.identity = `${described.type} ${described.fingerprint}`;
    const algorithms = credentials.knownHosts.hostKeyAlgorithms(host, port);
    this.timer = setTimeout(() => {
      this.fail(new GitError('Timeout', `${safeUrl}: timed out after ${remote.timeoutMs}ms`));
      this.client.destroy();
    }, remote.timeoutMs);
    // Only the key: no 'none' probe, no password, never keyboard-interactive.
    const publicKey: PublicKeyAuthMethod = {
      type: 'publickey',
      username,
      key: credentials.identity,
    };
    const config: ConnectConfig = {
      host,
      port,
      username,
      readyTimeout: remote.timeoutMs,
      keepaliveInterval: 0,
      authHandler: [publicKey],
      tryKeyboard: false,
      hostVerifier: (key: Buffer): boolean => {
        const verdict = credentials.knownHosts.verify(host, port, key);
        if (verdict.accepted) return true;
        this.fail(
          new GitError('AuthenticationFailed', `${safeUrl}: host key refused: ${verdict.why}`),
        );
        return false;
      },
      ...(algorithms.length === 0
        ? {}
        : { algorithms: { serverHostKey: algorithms as ServerHostKeyAlgorithms } }),
    };
    this.ready = new Promise<void>((resolve, reject) => {
      this.client.once('ready', resolve);
      this.client.on('error', (error: Error & { level?: string }) => {
        reject(this.failure() ?? this.describe(error));
      });
      this.client.once('close', () => {
        reject(
          this.failure() ??
            new GitError('Unreachable', `${safeUrl}: connection closed during the SSH handshake`),
        );
      });
    });
    this.client.connect(config);
  }

  failure(): GitError | undefined {
    return this.firstFailure;
  }

  fail(error: GitError): GitError {
    this.firstFailure ??= error;
    return error;
  }

  close(): void {
    clearTimeout(this.timer);
    this.client.end();
    this.client.destroy();
  }

  async exec(command: string): Promise<ClientChannel> {
    await this.ready;
    return new Promise((resolve, reject) => {
      this.client.exec(command, (error, channel) => {
        if (error !== undefined) {
          reject(
            this.fail(
              new GitError(
                'OperationFailed',
                `${this.safeUrl}: the server refused to run ${command}`,
              ),
            ),
          );
        } else resolve(channel);
      });
    });
  }

  private describe(error: Error & { level?: string }): GitError {
    const { host, port, username } = this.address;
    const where = `${host}:${port}`;
    if (error.level === 'client-authentication') {
      return new GitError(
        'AuthenticationFailed',
        `authentication failed for ${this.safeUrl}: ${where} did not accept the secret's 'identity' key (${this.identity}) for user ${JSON.stringify(username)}`,
      );
    }
    if (error.level === 'client-timeout') {
      return new GitError(
        'Timeout',
        `${this.safeUrl}: SSH handshake with ${where} timed out after ${this.remote.timeoutMs}ms`,
      );
    }
    const code = (error as { code?: unknown }).code;
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH') {
      return new GitError('Unreachable', `${this.safeUrl}: cannot connect to ${where} (${code})`);
    }
    return new GitError(
      'Unreachable',
      `${this.safeUrl}: SSH connection to ${where} failed: ${error.message}`,
    );
  }

  session(channel: ClientChannel): UploadPackSession {
    const reader = new ChannelReader(channel, (bytes) => {
      this.received += bytes;
      const limit = this.remote.maxBytes;
      if (limit !== undefined && this.received > limit) {
        channel.destroy();
        return this.fail(
          new GitError(
            'TooLarge',
            `repository ${this.safeUrl} is larger than the limit of ${limit} bytes`,
          ),
        );
      }
      return undefined;
    });
    return {
      advertisement: async () => parseAdvertisement(await reader.advertisement(this.safeUrl)),
      end: (body) => {
        channel.end(body);
      },
      rest: () => reader.rest(this.safeUrl),
      bytesReceived: () => this.received,
    };
  }
}

type ServerHostKeyAlgorithms = NonNullable<
  NonNullable<ConnectConfig['algorithms']>['serverHostKey']
>;

/** Buffers a channel's stdout, splitting off the advertisement (pkt-lines up to a flush). */
class ChannelReader {
  /** Bytes not yet split off as advertisement (small: refs only). */
  private data = Buffer.alloc(0);
  /** Once the advertisement is read, the response is only collected (no copying per chunk). */
  private advertised = false;
  private readonly response: Buffer[] = [];
  private stderr = '';
  private closed = false;
  private exitCode: number | undefined;
  private error: GitError | undefined;
  private waiters: (() => void)[] = [];

  constructor(channel: ClientChannel, count: (bytes: number) => GitError | undefined) {
    channel.on('data', (chunk: Buffer) => {
      const tooMuch = count(chunk.length);
      if (tooMuch !== undefined) this.error ??= tooMuch;
      else if (this.advertised) this.response.push(chunk);
      else this.data = Buffer.concat([this.data, chunk]);
      this.wake();
    });
    channel.stderr.on('data', (chunk: Buffer) => {
      if (this.stderr.length < 4096) this.stderr += chunk.toString('utf8');
    });
    channel.on('exit', (code: number | null) => {
      this.exitCode = code ?? undefined;
    });
    channel.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  /** The advertisement's pkt-lines (payloads), up to and without the flush. */
  async advertisement(url: string): Promise<Buffer[]> {
    for (;;) {
      if (this.error !== undefined) throw this.error;
      const lines = this.splitAdvertisement(url);
      if (lines !== undefined) return lines;
      if (this.closed) throw this.closedEarly(url);
      await this.next();
    }
  }

  async rest(url: string): Promise<Buffer> {
    while (!this.closed) {
      if (this.error !== undefined) throw this.error;
      await this.next();
    }
    if (this.error !== undefined) throw this.error;
    const answer = Buffer.concat([this.data, ...this.response]);
    if (this.exitCode !== undefined && this.exitCode !== 0 && answer.length === 0) {
      throw this.closedEarly(url);
    }
    return answer;
  }

  private splitAdvertisement(url: string): Buffer[] | undefined {
    const lines: Buffer[] = [];
    let pos = 0;
    while (pos + 4 <= this.data.length) {
      const length = Number.parseInt(this.data.toString('latin1', pos, pos + 4), 16);
      if (Number.isNaN(length) || (length > 0 && length < 4)) {
        throw new GitError('OperationFailed', `${url}: not a git-upload-pack advertisement`);
      }
      if (length === 0) {
        this.data = this.data.subarray(pos + 4);
        this.advertised = true;
        return lines;
      }
      if (pos + length > this.data.length) return undefined;
      lines.push(this.data.subarray(pos + 4, pos + length));
      pos += length;
    }
    return undefined;
  }

  private closedEarly(url: string): GitError {
    const said = serverText(this.stderr);
    const exit = this.exitCode === undefined ? '' : ` (exit ${this.exitCode})`;
    const reason = /not (appear to be )?a git repository|no such repository|not found/i.test(said)
      ? 'NotFound'
      : 'OperationFailed';
    return new GitError(
      reason,
      `${url}: git-upload-pack ended before answering${exit}${said === '' ? '' : `: ${said}`}`,
    );
  }

  private next(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

const oidPattern = /^[0-9a-f]{40}$/;

/** Protocol v0/v1 refs: `<oid> <ref>[\0caps]`, `^{}` lines peel the tag before them. */
export function parseAdvertisement(lines: readonly Buffer[]): AdvertisedRef[] {
  const refs: { ref: string; oid: string; peeled?: string }[] = [];
  for (const payload of lines) {
    const text = payload.toString('utf8').replace(/\n$/, '');
    if (text.startsWith('version ')) continue;
    if (text.startsWith('ERR ')) {
      throw new GitError('OperationFailed', `git-upload-pack: ${serverText(text.slice(4))}`);
    }
    const [head = ''] = text.split('\0');
    const space = head.indexOf(' ');
    const oid = head.slice(0, space);
    const ref = head.slice(space + 1);
    if (space !== 40 || !oidPattern.test(oid)) {
      throw new GitError('OperationFailed', 'git-upload-pack: malformed ref advertisement');
    }
    if (ref === 'capabilities^{}') continue;
    if (ref.endsWith('^{}')) {
      const tag = refs.find((r) => r.ref === ref.slice(0, -3));
      if (tag !== undefined) tag.peeled = oid;
      continue;
    }
    refs.push({ ref, oid });
  }
  return refs;
}
