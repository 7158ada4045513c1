/**
 * `make bench [BENCH_ARGS=name...]`: runs the named benchmarks (all when none are named) and
 * prints their figures. Exits 1 if a benchmark fails to run.
 */
import { benchmarks } from './registry.js';

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !benchmarks.some((b) => b.name === name));
if (unknown.length > 0) {
  process.stderr.write(
    `unknown benchmark(s): ${unknown.join(', ')}; known: ${benchmarks.map((b) => b.name).join(', ')}\n`,
  );
  process.exit(2);
}
let failures = 0;
for (const benchmark of benchmarks.filter((b) => wanted.length === 0 || wanted.includes(b.name))) {
  process.stdout.write(`\n## ${benchmark.name}: ${benchmark.description}\n`);
  try {
    for (const line of await benchmark.run()) process.stdout.write(`  ${line}\n`);
  } catch (error) {
    failures += 1;
    process.stdout.write(`  FAILED: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}
process.exitCode = failures === 0 ? 0 : 1;
