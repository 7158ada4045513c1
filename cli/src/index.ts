/** @tide/cli: the `tide` command line; the program is exported for tests and embedding. */
export { buildProgram, cliVersion } from './program.js';
