/**
 * @tide/gotemplate: Go's text/template with Go's fmt and Sprig v3, rendering what Helm 4
 * renders byte for byte. Pure: no cluster code, runnable in a worker.
 */
import { TemplateSet, type FuncDef, type Limits } from './exec.js';
import { sprigFuncs } from './sprig.js';
import type { GoValue } from './value.js';

export * from './value.js';
export * from './errors.js';
export { lex, type Item, type ItemType } from './lex.js';
export { parseTemplate, nodeString, type Tree } from './parse.js';
export {
  TemplateSet,
  defaultLimits,
  parseNumber,
  type CallContext,
  type FuncDef,
  type FuncMap,
  type Limits,
  type MissingKey,
  type ParamType,
} from './exec.js';
export {
  formatValue,
  formatFloat,
  sprintf,
  sprint,
  sprintln,
  quote,
  formatDuration,
} from './fmt.js';
export { sprigFuncs, unsupportedSprig, strval, empty, deepCopy } from './sprig.js';

export interface HelmStyleOptions {
  /** Extra functions (libs/helm's include, tpl, toYaml ...), added over Sprig's. */
  readonly funcs?: ReadonlyMap<string, FuncDef>;
  readonly limits?: Partial<Limits>;
}

/**
 * Renders one template the way Helm's engine runs it: Sprig functions, missingkey=zero,
 * and "<no value>" removed from the output.
 */
export function renderHelmStyle(
  name: string,
  source: string,
  data: GoValue,
  options: HelmStyleOptions = {},
): string {
  const funcs = sprigFuncs();
  for (const [k, v] of options.funcs ?? []) funcs.set(k, v);
  const set = new TemplateSet({
    funcs,
    missingKey: 'zero',
    ...(options.limits === undefined ? {} : { limits: options.limits }),
  });
  set.parse(name, source);
  return set.execute(name, data).replaceAll('<no value>', '');
}
