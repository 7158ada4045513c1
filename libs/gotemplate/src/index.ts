/**
 * @tide/gotemplate: Go's text/template with Go's fmt and Sprig v3, rendering what Helm 4
 * renders byte for byte. Pure: no cluster code, runnable in a worker.
 */
export * from './value.js';
export * from './errors.js';
export { lex, type Item, type ItemType } from './lex.js';
