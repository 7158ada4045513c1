import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ConditionType, type GitRepository } from '@tide/api';
import {
  createMutualTlsFixture,
  makeTempDir,
  startGitServer,
  type GitRepositoryFixture,
  type GitServer,
  type MutualTlsFixture,
  type TempDir,
} from '@tide/harness';
import type { ReconcilableObject } from '@tide/runtime';
import { gitRepositoryKind } from '../src/kinds.js';
import { startSourceEnvironment, type SourceEnvironment } from './environment.js';

type Repo = GitRepository & ReconcilableObject;

const condition = (obj: Repo, type: string) => obj.status?.conditions?.find((c) => c.type === type);
const ready = (obj: Repo) => condition(obj, ConditionType.Ready);

function gitRepository(name: string, url: string, secretName: string): Repo {
  return {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    metadata: { name },
    spec: { interval: '1h', url, ref: { branch: 'main' }, secretRef: { name: secretName } },
  };
}

// A Git server over https that requires a client certificate signed by its CA: the
// GitRepository's secretRef tls.crt/tls.key must be presented on every request.
describe('GitRepository mTLS (secretRef tls.crt/tls.key/ca.crt)', () => {
  let env: SourceEnvironment;
  let pkiDir: TempDir;
  let tls: MutualTlsFixture;
  let git: GitServer;
  let app: GitRepositoryFixture;

  beforeAll(async () => {
    env = await startSourceEnvironment('git-mtls');
    pkiDir = await makeTempDir('git-mtls-pki');
    tls = await createMutualTlsFixture(pkiDir.path);
    git = await startGitServer({ tls: tls.serving });
    app = await git.createRepository('app', { files: { 'deploy/app.yaml': 'kind: ConfigMap\n' } });
  });
  afterAll(async () => {
    await env.stop();
    await git.stop();
    await pkiDir.remove();
  });

  const settled = (name: string, status: 'True' | 'False') =>
    env.readyIs<Repo>(gitRepositoryKind, name, status);

  it('fetches over https with the client certificate and CA of the secretRef', async () => {
    await env.secret('client-tls', {
      'tls.crt': tls.client.certPem,
      'tls.key': tls.client.keyPem,
      'ca.crt': tls.caPem,
    });
    await env.apply(gitRepositoryKind, gitRepository('with-cert', app.url, 'client-tls'));
    const obj = await settled('with-cert', 'True');
    expect(obj.status?.artifact?.revision).toBe(`main@sha1:${await app.head()}`);
    // ls-refs and the pack fetch both went over the mTLS connection.
    expect(git.requests().get('GET /app.git/info/refs')).toBeGreaterThan(0);
    expect(git.requests().get('POST /app.git/git-upload-pack')).toBeGreaterThan(0);
  });

  it('without a client certificate, fails naming the object and the missing keys', async () => {
    await env.secret('ca-only', { 'ca.crt': tls.caPem });
    await env.apply(gitRepositoryKind, gitRepository('no-cert', app.url, 'ca-only'));
    const obj = await settled('no-cert', 'False');
    const message = ready(obj)?.message ?? '';
    expect(message).toContain(`GitRepository ${env.namespace}/no-cert`);
    expect(message).toContain('requires a TLS client certificate');
    expect(message).toContain('tls.crt and tls.key');
    expect(condition(obj, ConditionType.FetchFailed)?.status).toBe('True');
    expect(obj.status?.artifact).toBeUndefined();
  });

  it('with a client certificate of another CA, fails saying the server refused it', async () => {
    await env.secret('foreign-tls', {
      'tls.crt': tls.foreignClient.certPem,
      'tls.key': tls.foreignClient.keyPem,
      'ca.crt': tls.caPem,
    });
    await env.apply(gitRepositoryKind, gitRepository('foreign-cert', app.url, 'foreign-tls'));
    const obj = await settled('foreign-cert', 'False');
    const message = ready(obj)?.message ?? '';
    expect(message).toContain(`GitRepository ${env.namespace}/foreign-cert`);
    expect(message).toContain('closed the TLS connection');
    expect(message).toContain("the secretRef's TLS client certificate (tls.crt/tls.key)");
    expect(obj.status?.artifact).toBeUndefined();
  });

  it('without ca.crt, fails saying the server certificate is not trusted', async () => {
    await env.secret('cert-no-ca', { 'tls.crt': tls.client.certPem, 'tls.key': tls.client.keyPem });
    await env.apply(gitRepositoryKind, gitRepository('no-ca', app.url, 'cert-no-ca'));
    const obj = await settled('no-ca', 'False');
    expect(ready(obj)?.message).toContain(
      'the server certificate is not trusted; set ca.crt in the secretRef',
    );
  });

  it('refuses tls.crt without tls.key, naming the Secret and the field', async () => {
    await env.secret('half-pair', { 'tls.crt': tls.client.certPem, 'ca.crt': tls.caPem });
    await env.apply(gitRepositoryKind, gitRepository('half-pair', app.url, 'half-pair'));
    const obj = await settled('half-pair', 'False');
    expect(ready(obj)?.reason).toBe('AuthenticationFailed');
    expect(ready(obj)?.message).toBe(
      `GitRepository ${env.namespace}/half-pair: spec.secretRef: secret ${env.namespace}/half-pair: has 'tls.crt' but no 'tls.key'; a TLS client certificate needs both`,
    );
  });

  it('refuses a client certificate over plain http by name, and stalls', async () => {
    const plain = await startGitServer();
    try {
      const repo = await plain.createRepository('plain', { files: { 'a.yaml': 'a\n' } });
      await env.apply(gitRepositoryKind, gitRepository('cert-over-http', repo.url, 'client-tls'));
      const obj = await settled('cert-over-http', 'False');
      expect(condition(obj, ConditionType.Stalled)?.status).toBe('True');
      expect(ready(obj)?.message).toContain(
        'the secretRef holds a TLS client certificate (tls.crt/tls.key), which is only presented over https; use an https:// URL',
      );
      expect(plain.requests().size).toBe(0);
    } finally {
      await plain.stop();
    }
  });
});
