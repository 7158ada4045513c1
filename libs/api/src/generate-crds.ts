// `make crds`: node libs/api/dist/src/generate-crds.js [dir] writes every CRD into dir
// (default: crds/ at the repository root).
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { writeCrds } from './generate.js';

const repositoryRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
const target = resolve(process.argv[2] ?? resolve(repositoryRoot, 'crds'));
const written = await writeCrds(target);
process.stdout.write(`wrote ${written.length} CRDs to ${target}\n`);
