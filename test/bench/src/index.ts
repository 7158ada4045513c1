/** @tide/bench: the benchmarks `make bench` runs, and the helpers they measure with. */
export { compareProcesses, formatMs, median, timeProcess, type Benchmark } from './measure.js';
export { benchmarks } from './registry.js';
