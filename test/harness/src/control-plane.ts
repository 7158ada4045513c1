import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { envtestBinaries, type EnvtestBinaries } from './envtest.js';
import { apiRequest, type ApiConnection } from './kube.js';
import { freePort, httpRequest, waitFor } from './net.js';
import { createPki, issueClientCertificate, readPem, type KeyPair, type Pki } from './pki.js';
import { startProcess, type ManagedProcess } from './process.js';
import { repoRoot } from './repo.js';
import { makeTempDir, type TempDir } from './temp.js';

export interface ControlPlaneOptions {
  /** Install CRD manifests before returning: `true` for every file in `crds/`, or paths. */
  readonly crds?: boolean | readonly string[];
  readonly startTimeoutMs?: number;
}

export interface ControlPlane {
  /** A kubeconfig file with the admin (system:masters) user, valid until stop(). */
  readonly kubeconfigPath: string;
  readonly kubeConfig: KubeConfig;
  /** `https://127.0.0.1:<port>` */
  readonly server: string;
  readonly connection: ApiConnection;
  readonly kubernetesVersion: string;
  /** Mints client certificates for other users (see userKubeconfig). */
  readonly userIssuer: UserIssuer;
  /** Applies CRD manifests (files or a directory) and waits until each is Established. */
  installCrds(paths: readonly string[]): Promise<string[]>;
  /** A kubeconfig file for another user (client certificate), for RBAC tests. */
  userKubeconfig(user: string, groups?: readonly string[]): Promise<string>;
  /** The temp dir holding etcd data, certificates and logs; removed by stop(). */
  readonly dir: string;
  /** The running etcd and kube-apiserver processes. */
  processes(): readonly ManagedProcess[];
  /** Stops the API server and starts it again on the same port; etcd keeps the data. */
  restartApiServer(downtimeMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts etcd and kube-apiserver the way controller-runtime's envtest does, on free
 * 127.0.0.1 ports, with a generated CA and an admin client certificate.
 */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const binaries = envtestBinaries();
  const temp = await makeTempDir('control-plane');
  const started: ManagedProcess[] = [];
  try {
    return await launch(binaries, temp, started, options);
  } catch (error) {
    await Promise.all(started.map((p) => p.stop()));
    await temp.remove();
    throw error;
  }
}

async function launch(
  binaries: EnvtestBinaries,
  temp: TempDir,
  started: ManagedProcess[],
  options: ControlPlaneOptions,
): Promise<ControlPlane> {
  const timeoutMs = options.startTimeoutMs ?? 90_000;
  const pkiDir = await subdir(temp, 'pki');
  const pki = await createPki(pkiDir);
  const etcd = await startEtcd(binaries, temp, timeoutMs);
  started.push(etcd.process);

  const port = await freePort();
  const server = `https://127.0.0.1:${port}`;
  const connection: ApiConnection = {
    server,
    caPem: await readPem(pki.ca.certFile),
    certPem: await readPem(pki.admin.certFile),
    keyPem: await readPem(pki.admin.keyFile),
  };
  const apiArgs = apiServerArgs(pki, await subdir(temp, 'apiserver-certs'), port, etcd.url);
  const startApiServer = async (): Promise<ManagedProcess> => {
    const apiServer = startProcess({
      name: 'kube-apiserver',
      command: binaries.kubeApiServer,
      args: apiArgs,
      logFile: join(temp.path, 'kube-apiserver.log'),
    });
    await waitUntilReady(connection, apiServer, timeoutMs);
    return apiServer;
  };
  let apiServer = await startApiServer();
  started.push(apiServer);

  const kubeconfigPath = join(temp.path, 'kubeconfig');
  await writeFile(kubeconfigPath, kubeconfigYaml(server, connection, 'admin'));
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);

  const installCrds = (paths: readonly string[]) => applyCrds(connection, paths);
  if (options.crds === true) await installCrds([join(repoRoot(), 'crds')]);
  else if (Array.isArray(options.crds)) await installCrds(options.crds);

  let stopped = false;
  return {
    kubeconfigPath,
    kubeConfig,
    server,
    connection,
    kubernetesVersion: binaries.kubernetesVersion,
    userIssuer: { dir: pkiDir, ca: pki.ca, connection },
    dir: temp.path,
    processes: () => [...started],
    installCrds,
    userKubeconfig: (user, groups = []) =>
      writeUserKubeconfig({ dir: pkiDir, ca: pki.ca, connection }, user, groups),
    async restartApiServer(downtimeMs = 0) {
      await apiServer.stop();
      started.splice(started.indexOf(apiServer), 1);
      await new Promise((resolve) => setTimeout(resolve, downtimeMs));
      apiServer = await startApiServer();
      started.push(apiServer);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      // API server first, so it does not log a storm of etcd connection errors.
      await apiServer.stop();
      await etcd.process.stop();
      await temp.remove();
    },
  };
}

async function subdir(temp: TempDir, name: string): Promise<string> {
  const path = join(temp.path, name);
  await mkdir(path, { recursive: true });
  return path;
}

async function startEtcd(
  binaries: EnvtestBinaries,
  temp: TempDir,
  timeoutMs: number,
): Promise<{ process: ManagedProcess; url: string }> {
  const clientPort = await freePort();
  const peerPort = await freePort();
  const url = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const etcd = startProcess({
    name: 'etcd',
    command: binaries.etcd,
    args: [
      '--name=default',
      `--data-dir=${await subdir(temp, 'etcd')}`,
      `--listen-client-urls=${url}`,
      `--advertise-client-urls=${url}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=default=${peer}`,
      '--unsafe-no-fsync=true',
      '--log-level=warn',
    ],
    logFile: join(temp.path, 'etcd.log'),
  });
  await waitFor(
    async () => {
      if (!etcd.running()) throw new ExitedEarly(etcd);
      const response = await httpRequest(`${url}/health`, { timeoutMs: 2000 });
      const health = JSON.parse(response.body.toString('utf8')) as { health?: string };
      return health.health === 'true' ? true : undefined;
    },
    { timeoutMs, what: 'etcd to report healthy' },
  ).catch((error: unknown) => {
    throw withLog(error, etcd);
  });
  return { process: etcd, url };
}

function apiServerArgs(pki: Pki, certDir: string, port: number, etcdUrl: string): string[] {
  return [
    `--etcd-servers=${etcdUrl}`,
    `--cert-dir=${certDir}`,
    `--tls-cert-file=${pki.serving.certFile}`,
    `--tls-private-key-file=${pki.serving.keyFile}`,
    `--secure-port=${port}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    // A /16 reserves 10.0.0.0-10.0.0.255 for Services that ask for an IP (tests pin
    // clusterIPs there) and allocates the rest above it, so the two never collide.
    '--service-cluster-ip-range=10.0.0.0/16',
    '--allow-privileged=true',
    '--authorization-mode=RBAC',
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${pki.serviceAccountPublicKeyFile}`,
    `--service-account-signing-key-file=${pki.serviceAccountKeyFile}`,
    `--client-ca-file=${pki.ca.certFile}`,
    '--disable-admission-plugins=ServiceAccount',
  ];
}

class ExitedEarly extends Error {
  constructor(process: ManagedProcess) {
    super(`${process.name} exited during start-up`);
  }
}

function withLog(error: unknown, process: ManagedProcess): Error {
  const message = error instanceof Error ? error.message : String(error);
  return new Error(
    `${process.name} did not start: ${message}\n--- ${process.name} log ---\n${process.logTail(30)}`,
  );
}

async function waitUntilReady(
  connection: ApiConnection,
  apiServer: ManagedProcess,
  timeoutMs: number,
): Promise<void> {
  await waitFor(
    async () => {
      if (!apiServer.running()) throw new ExitedEarly(apiServer);
      const response = await apiRequest(connection, {
        method: 'GET',
        path: '/readyz',
        timeoutMs: 2000,
      });
      return response.status === 200 ? true : undefined;
    },
    { timeoutMs, intervalMs: 200, what: 'kube-apiserver /readyz' },
  ).catch((error: unknown) => {
    throw withLog(error, apiServer);
  });
}

/** What it takes to mint kubeconfigs for more users of a running control plane. */
export interface UserIssuer {
  readonly dir: string;
  readonly ca: KeyPair;
  readonly connection: ApiConnection;
}

/** Issues a client certificate for `user` and writes a kubeconfig file for it; returns its path. */
export async function writeUserKubeconfig(
  issuer: UserIssuer,
  user: string,
  groups: readonly string[] = [],
): Promise<string> {
  const pair = await issueClientCertificate(issuer.dir, issuer.ca, user, groups);
  const userConnection = {
    ...issuer.connection,
    certPem: await readPem(pair.certFile),
    keyPem: await readPem(pair.keyFile),
  };
  const path = `${pair.certFile.replace(/\.crt$/, '')}.kubeconfig`;
  await writeFile(path, kubeconfigYaml(issuer.connection.server, userConnection, user));
  return path;
}

/** A kubeconfig for `server` with the CA and client certificate of `connection`. */
export function kubeconfigYaml(server: string, connection: ApiConnection, user: string): string {
  const b64 = (pem: string) => Buffer.from(pem).toString('base64');
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: tide-test',
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${b64(connection.caPem)}`,
    'users:',
    `- name: ${JSON.stringify(user)}`,
    '  user:',
    `    client-certificate-data: ${b64(connection.certPem)}`,
    `    client-key-data: ${b64(connection.keyPem)}`,
    'contexts:',
    '- name: tide-test',
    '  context:',
    '    cluster: tide-test',
    `    user: ${JSON.stringify(user)}`,
    '    namespace: default',
    'current-context: tide-test',
    '',
  ].join('\n');
}

interface CrdManifest {
  kind?: unknown;
  metadata?: { name?: unknown };
}

async function manifestFiles(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    if (/\.ya?ml$/.test(path)) {
      files.push(path);
      continue;
    }
    const entries = await readdir(path).catch(() => []);
    files.push(
      ...entries
        .filter((e) => /\.ya?ml$/.test(e))
        .sort()
        .map((e) => join(path, e)),
    );
  }
  return files;
}

/** Server-side applies every CustomResourceDefinition found and waits until Established. */
async function applyCrds(connection: ApiConnection, paths: readonly string[]): Promise<string[]> {
  const names: string[] = [];
  for (const file of await manifestFiles(paths)) {
    for (const doc of parseAllDocuments(await readFile(file, 'utf8'))) {
      const manifest = doc.toJS() as CrdManifest | null;
      if (manifest?.kind !== 'CustomResourceDefinition') continue;
      const name = manifest.metadata?.name;
      if (typeof name !== 'string')
        throw new Error(`${file}: a CustomResourceDefinition has no metadata.name`);
      const response = await apiRequest(connection, {
        method: 'PATCH',
        path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}?fieldManager=tide-harness&force=true`,
        body: manifest,
        contentType: 'application/apply-patch+yaml',
      });
      if (response.status >= 300) {
        throw new Error(
          `applying CRD ${name} from ${file}: HTTP ${response.status}: ${response.text}`,
        );
      }
      names.push(name);
    }
  }
  await Promise.all(names.map((name) => waitEstablished(connection, name)));
  return names;
}

async function waitEstablished(connection: ApiConnection, name: string): Promise<void> {
  await waitFor(
    async () => {
      const response = await apiRequest(connection, {
        method: 'GET',
        path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`,
      });
      const crd = response.body as { status?: { conditions?: { type: string; status: string }[] } };
      const established = crd.status?.conditions?.some(
        (c) => c.type === 'Established' && c.status === 'True',
      );
      return established === true ? true : undefined;
    },
    { timeoutMs: 30_000, what: `CRD ${name} to be Established` },
  );
}
