import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { join } from 'node:path';
import { run } from './process.js';

/** PEM files of a certificate and its key. */
export interface KeyPair {
  readonly certFile: string;
  readonly keyFile: string;
}

export interface Pki {
  readonly ca: KeyPair;
  readonly serving: KeyPair;
  readonly admin: KeyPair;
  /** EC key pair that signs and verifies service-account tokens. */
  readonly serviceAccountKeyFile: string;
  readonly serviceAccountPublicKeyFile: string;
}

const openssl = 'openssl';
const days = '3650';

async function ecKey(file: string): Promise<void> {
  await run(openssl, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', file]);
}

async function signedCertificate(
  dir: string,
  name: string,
  subject: string,
  extensions: string,
  ca: KeyPair,
): Promise<KeyPair> {
  const keyFile = join(dir, `${name}.key`);
  const csrFile = join(dir, `${name}.csr`);
  const extFile = join(dir, `${name}.ext`);
  const certFile = join(dir, `${name}.crt`);
  await ecKey(keyFile);
  await run(openssl, ['req', '-new', '-key', keyFile, '-subj', subject, '-out', csrFile]);
  await writeFile(extFile, extensions);
  await run(openssl, [
    'x509',
    '-req',
    '-in',
    csrFile,
    '-CA',
    ca.certFile,
    '-CAkey',
    ca.keyFile,
    '-CAcreateserial',
    '-days',
    days,
    '-sha256',
    '-extfile',
    extFile,
    '-out',
    certFile,
  ]);
  return { certFile, keyFile };
}

/** Subject names are `/`-separated; escape the characters openssl treats specially. */
function subjectPart(value: string): string {
  return value.replace(/[\\/,+=]/g, (c) => `\\${c}`);
}

/**
 * A self-signed CA of its own (`<name>.crt`/`<name>.key` in `dir`): tests that need a second,
 * unrelated CA (a client certificate the server must not trust) make one with this.
 */
export async function createCertificateAuthority(dir: string, name = 'ca'): Promise<KeyPair> {
  const ca: KeyPair = { certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) };
  await ecKey(ca.keyFile);
  await run(openssl, [
    'req',
    '-x509',
    '-new',
    '-key',
    ca.keyFile,
    '-subj',
    `/CN=tide-test-${subjectPart(name)}`,
    '-days',
    days,
    '-sha256',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-out',
    ca.certFile,
  ]);
  return ca;
}

export async function createPki(dir: string): Promise<Pki> {
  const ca = await createCertificateAuthority(dir, 'ca');
  const serving = await signedCertificate(
    dir,
    'apiserver',
    '/CN=kube-apiserver',
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n',
    ca,
  );
  const admin = await issueClientCertificate(dir, ca, 'admin', ['system:masters']);
  const serviceAccountKeyFile = join(dir, 'sa.key');
  const serviceAccountPublicKeyFile = join(dir, 'sa.pub');
  await ecKey(serviceAccountKeyFile);
  await run(openssl, [
    'ec',
    '-in',
    serviceAccountKeyFile,
    '-pubout',
    '-out',
    serviceAccountPublicKeyFile,
  ]);
  return { ca, serving, admin, serviceAccountKeyFile, serviceAccountPublicKeyFile };
}

/** A serving certificate for 127.0.0.1 and localhost (a test server that stands in for the API server). */
export function issueServingCertificate(dir: string, ca: KeyPair, name: string): Promise<KeyPair> {
  return signedCertificate(
    dir,
    `serving-${name.replace(/[^a-zA-Z0-9-]/g, '_')}-${Date.now()}-${process.pid}`,
    `/CN=${subjectPart(name)}`,
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n',
    ca,
  );
}

/** A client certificate for `user` in `groups`, signed by the control plane's CA. */
export function issueClientCertificate(
  dir: string,
  ca: KeyPair,
  user: string,
  groups: readonly string[] = [],
): Promise<KeyPair> {
  return signedCertificate(
    dir,
    `user-${user.replace(/[^a-zA-Z0-9-]/g, '_')}-${Date.now()}-${process.pid}`,
    [`/CN=${subjectPart(user)}`, ...groups.map((g) => `/O=${subjectPart(g)}`)].join(''),
    'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n',
    ca,
  );
}

export async function readPem(file: string): Promise<string> {
  return readFile(file, 'utf8');
}

/** TLS for a harness server: its certificate, and a CA whose client certificates it requires. */
export interface HttpsServing {
  readonly certPem: string;
  readonly keyPem: string;
  /** When set, every connection must present a client certificate signed by this CA. */
  readonly clientCaPem?: string;
}

/** A node:http or node:https server for `handler`, as `tls` asks. */
export function createServing(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  tls: HttpsServing | undefined,
): Server {
  if (tls === undefined) return createServer(handler);
  return createHttpsServer(
    {
      cert: tls.certPem,
      key: tls.keyPem,
      ...(tls.clientCaPem === undefined
        ? {}
        : { ca: tls.clientCaPem, requestCert: true, rejectUnauthorized: true }),
    },
    handler,
  );
}

/** PEM text of a certificate and its key. */
export interface PemPair {
  readonly certPem: string;
  readonly keyPem: string;
}

/** What an mTLS test needs: one CA signing the server and a client, and an unrelated CA. */
export interface MutualTlsFixture {
  readonly caPem: string;
  /** A server certificate for 127.0.0.1 that requires client certificates signed by `caPem`. */
  readonly serving: HttpsServing;
  /** A client certificate signed by `caPem`. */
  readonly client: PemPair;
  /** A client certificate signed by another CA, which the server must refuse. */
  readonly foreignClient: PemPair;
  readonly foreignCaPem: string;
}

async function readPair(pair: KeyPair): Promise<PemPair> {
  return { certPem: await readPem(pair.certFile), keyPem: await readPem(pair.keyFile) };
}

/** Issues the certificates of a MutualTlsFixture into `dir`. */
export async function createMutualTlsFixture(dir: string): Promise<MutualTlsFixture> {
  const ca = await createCertificateAuthority(dir, 'mtls-ca');
  const foreignCa = await createCertificateAuthority(dir, 'foreign-ca');
  const server = await readPair(await issueServingCertificate(dir, ca, 'tide-test-server'));
  const caPem = await readPem(ca.certFile);
  return {
    caPem,
    serving: { ...server, clientCaPem: caPem },
    client: await readPair(await issueClientCertificate(dir, ca, 'tide-test-client')),
    foreignClient: await readPair(
      await issueClientCertificate(dir, foreignCa, 'tide-test-foreign-client'),
    ),
    foreignCaPem: await readPem(foreignCa.certFile),
  };
}
