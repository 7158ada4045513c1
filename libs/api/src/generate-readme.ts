// `npm run -w @tide/api readme`: rewrites the supported-fields section of the repository's
// README.md (or of the file given) from the support matrix.
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { writeReadmeSection } from './support-readme.js';

const repositoryRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
const target = resolve(process.argv[2] ?? resolve(repositoryRoot, 'README.md'));
await writeReadmeSection(target);
process.stdout.write(`wrote the supported-fields section of ${target}\n`);
