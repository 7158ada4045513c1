import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ArchiveTooLargeError, gunzipBounded } from '@tide/artifact';
import ignore from 'ignore';
import { Parser, type ReadEntry } from 'tar';
import { parseChartMetadata, type LoadedChart } from './chart.js';
import { HelmError } from './errors.js';

/**
 * Reads a chart directory (a chart inside a Git source) honouring its `.helmignore`.
 * Symlinks are refused: a chart is packaged from real files only.
 */
export async function loadChartDirectory(root: string, where = root): Promise<LoadedChart> {
  const chartYaml = await readFile(join(root, 'Chart.yaml'), 'utf8').catch(() => {
    throw new HelmError('InvalidChart', `${where}: no Chart.yaml: not a Helm chart directory`);
  });
  const metadata = parseChartMetadata(chartYaml, where);
  return { metadata, files: await readChartDirectoryFiles(root, where) };
}

/** The files of a chart directory by relative path, `.helmignore` honoured, symlinks refused. */
export async function readChartDirectoryFiles(
  root: string,
  where = root,
): Promise<Map<string, Buffer>> {
  const helmignore = await readFile(join(root, '.helmignore'), 'utf8').catch(() => '');
  const rules = ignore().add(helmignore);
  const files = new Map<string, Buffer>();
  const walk = async (prefix: string): Promise<void> => {
    for (const entry of (await readdir(join(root, prefix), { withFileTypes: true })).sort((a, b) =>
      a.name < b.name ? -1 : 1,
    )) {
      const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!rules.ignores(`${path}/`)) await walk(path);
        continue;
      }
      if (rules.ignores(path)) continue;
      if ((await lstat(join(root, path))).isSymbolicLink()) {
        throw new HelmError(
          'InvalidChart',
          `${where}: ${path} is a symbolic link; charts are packaged from regular files only`,
        );
      }
      files.set(path, await readFile(join(root, path)));
    }
  };
  await walk('');
  return files;
}

/**
 * A chart from files already in memory (a directory of a Git artifact), by path relative to
 * the chart root, honouring its `.helmignore`.
 */
export function chartFromFiles(files: ReadonlyMap<string, Buffer>, where: string): LoadedChart {
  const chartYaml = files.get('Chart.yaml');
  if (chartYaml === undefined)
    throw new HelmError('InvalidChart', `${where}: no Chart.yaml: not a Helm chart directory`);
  const metadata = parseChartMetadata(chartYaml.toString('utf8'), where);
  const rules = ignore().add(files.get('.helmignore')?.toString('utf8') ?? '');
  const kept = new Map<string, Buffer>();
  for (const [path, content] of [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const parts = path.split('/');
    const ignoredDir = parts
      .slice(0, -1)
      .some((_, i) => rules.ignores(`${parts.slice(0, i + 1).join('/')}/`));
    if (!ignoredDir && !rules.ignores(path)) kept.set(path, content);
  }
  return { metadata, files: kept };
}

/** Helm's own bound on a decompressed chart (`MaxDecompressedChartSize`). */
export const defaultMaxChartBytes = 100 * 1024 * 1024;

/**
 * Reads a packaged chart (`.tgz`, every file under `<name>/`). The archive is decompressed
 * with its output capped at `maxBytes`: a gzip bomb fails with TooLarge at the cap.
 */
export async function loadChartArchive(
  archive: Buffer,
  where: string,
  maxBytes = defaultMaxChartBytes,
): Promise<LoadedChart> {
  const { name, files } = await readChartArchiveFiles(archive, where, maxBytes);
  const chartYaml = files.get('Chart.yaml');
  if (chartYaml === undefined)
    throw new HelmError('InvalidChart', `${where}: chart archive has no ${name}/Chart.yaml`);
  return { metadata: parseChartMetadata(chartYaml.toString('utf8'), where), files };
}

/** The files of a packaged chart by path inside its one top-level directory. */
export async function readChartArchiveFiles(
  archive: Buffer,
  where: string,
  maxBytes = defaultMaxChartBytes,
): Promise<{ name: string; files: Map<string, Buffer> }> {
  let tar: Buffer;
  try {
    tar = gunzipBounded(
      archive,
      maxBytes,
      (error) =>
        new HelmError('InvalidChart', `${where}: not a gzip-compressed chart archive`, {
          cause: error,
        }),
    );
  } catch (error) {
    if (!(error instanceof ArchiveTooLargeError)) throw error;
    throw new HelmError(
      'TooLarge',
      `${where}: chart archive decompresses past the limit of ${maxBytes} bytes`,
      { cause: error },
    );
  }
  const entries = new Map<string, Buffer>();
  await new Promise<void>((resolve, reject) => {
    const parser = new Parser({
      strict: true,
      onReadEntry: (entry: ReadEntry) => {
        if (entry.type !== 'File' && entry.type !== 'OldFile') {
          entry.resume();
          return;
        }
        const chunks: Buffer[] = [];
        entry.on('data', (chunk: Buffer) => chunks.push(chunk));
        entry.on('end', () => entries.set(entry.path, Buffer.concat(chunks)));
      },
    });
    parser.on('error', reject);
    parser.on('end', resolve);
    parser.end(tar);
  }).catch((error: unknown) => {
    throw new HelmError(
      'InvalidChart',
      `${where}: unreadable chart archive: ${(error as Error).message}`,
      { cause: error },
    );
  });
  const top = new Set([...entries.keys()].map((path) => path.split('/')[0]));
  const [name] = [...top];
  if (top.size !== 1 || name === undefined) {
    throw new HelmError(
      'InvalidChart',
      `${where}: a chart archive holds exactly one top-level directory, found ${[...top].join(', ')}`,
    );
  }
  const files = new Map<string, Buffer>();
  for (const [path, content] of entries) {
    const inner = path.slice(name.length + 1);
    if (inner === '' || inner.split('/').includes('..')) {
      throw new HelmError(
        'InvalidChart',
        `${where}: chart archive entry ${JSON.stringify(path)} is not a file inside the chart`,
      );
    }
    files.set(inner, content);
  }
  return { name, files };
}
