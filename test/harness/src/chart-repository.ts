import { createReadStream } from 'node:fs';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join, normalize } from 'node:path';
import { freePort } from './net.js';
import { oracles } from './oracles.js';
import { createServing, type HttpsServing } from './pki.js';
import { run } from './process.js';
import { makeTempDir } from './temp.js';

export interface ChartSpec {
  readonly name: string;
  readonly version: string;
  readonly appVersion?: string;
  /** Files of the chart other than Chart.yaml, by path; a small ConfigMap chart when absent. */
  readonly files?: Readonly<Record<string, string>>;
}

export interface ChartRepositoryOptions {
  readonly charts?: readonly ChartSpec[];
  readonly basicAuth?: { readonly username: string; readonly password: string };
  /** Serve https (and require client certificates when `clientCaPem` is set). */
  readonly tls?: HttpsServing;
  /** Requests for paths this matches are held open and never answered (a stalled server). */
  readonly stall?: (path: string) => boolean;
}

export interface ChartRepository {
  /** `http://127.0.0.1:<port>` (`https://` with `tls`), the URL a HelmRepository points at. */
  readonly url: string;
  /** Packages a chart with the real `helm package` and regenerates index.yaml. */
  addChart(chart: ChartSpec): Promise<void>;
  stop(): Promise<void>;
}

/** The chart written when a ChartSpec gives no files: one ConfigMap driven by values. */
export function defaultChartFiles(name: string): Record<string, string> {
  return {
    'values.yaml': 'greeting: hello\n',
    'templates/configmap.yaml': [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: {{ .Release.Name }}-' + name,
      'data:',
      '  greeting: {{ .Values.greeting | quote }}',
      '  chartVersion: {{ .Chart.Version | quote }}',
      '',
    ].join('\n'),
  };
}

/** A static Helm repository (`index.yaml` + `.tgz`) served over HTTP. */
export async function startChartRepository(
  options: ChartRepositoryOptions = {},
): Promise<ChartRepository> {
  const temp = await makeTempDir('chart-repo');
  const served = join(temp.path, 'served');
  const sources = join(temp.path, 'sources');
  await mkdir(served);
  const port = await freePort();
  const url = `${options.tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`;
  const { helm } = await oracles();
  const helmEnv = {
    ...process.env,
    HELM_CACHE_HOME: join(temp.path, 'helm-cache'),
    HELM_CONFIG_HOME: join(temp.path, 'helm-config'),
    HELM_DATA_HOME: join(temp.path, 'helm-data'),
  };

  const server = createServing((req, res) => {
    const path = new URL(req.url ?? '/', 'http://charts.invalid').pathname;
    if (options.stall?.(path) === true) return;
    serveStatic(req, res, served, options.basicAuth);
  }, options.tls);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      resolve();
    });
  });

  const addChart = async (chart: ChartSpec): Promise<void> => {
    const chartDir = join(sources, `${chart.name}-${chart.version}`, chart.name);
    const chartYaml = [
      'apiVersion: v2',
      `name: ${chart.name}`,
      `version: ${chart.version}`,
      ...(chart.appVersion === undefined
        ? []
        : [`appVersion: ${JSON.stringify(chart.appVersion)}`]),
      '',
    ].join('\n');
    const files = { 'Chart.yaml': chartYaml, ...(chart.files ?? defaultChartFiles(chart.name)) };
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(chartDir, path)), { recursive: true });
      await writeFile(join(chartDir, path), content);
    }
    await run(helm, ['package', chartDir, '--destination', served], { env: helmEnv });
    await run(helm, ['repo', 'index', served, '--url', url], { env: helmEnv });
  };
  try {
    for (const chart of options.charts ?? []) await addChart(chart);
  } catch (error) {
    server.close();
    await temp.remove();
    throw error;
  }

  return {
    url,
    addChart,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
      await temp.remove();
    },
  };
}

function serveStatic(
  req: IncomingMessage,
  res: ServerResponse,
  root: string,
  auth: ChartRepositoryOptions['basicAuth'],
): void {
  if (auth !== undefined) {
    const expected = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="tide-test-charts"' });
      res.end();
      return;
    }
  }
  const path = normalize(
    decodeURIComponent(new URL(req.url ?? '/', 'http://charts.invalid').pathname),
  );
  const file = join(root, path);
  if (!file.startsWith(root + '/')) {
    res.writeHead(404).end();
    return;
  }
  stat(file).then(
    (info) => {
      if (!info.isFile()) {
        res.writeHead(404).end();
        return;
      }
      const type = file.endsWith('.yaml') ? 'application/x-yaml' : 'application/gzip';
      res.writeHead(200, { 'content-type': type, 'content-length': info.size });
      createReadStream(file).pipe(res);
    },
    () => res.writeHead(404).end(),
  );
}
