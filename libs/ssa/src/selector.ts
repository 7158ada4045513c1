import { RE2JS } from 're2js';
import {
  LabelSelectorError,
  groupOf,
  matchLabels,
  parseLabelSelector,
  versionOf,
  type LabelMatcher,
  type Manifest,
  messageOf,
} from '@tide/kube';

/**
 * Which objects a rule is for, as Flux's (and kustomize's) patch targets say it: group,
 * version, kind, name and namespace are anchored Go (RE2) regular expressions, labels and
 * annotations Kubernetes label selectors. An unset or empty field matches anything.
 */
export interface ObjectSelector {
  readonly group?: string | undefined;
  readonly version?: string | undefined;
  readonly kind?: string | undefined;
  readonly name?: string | undefined;
  readonly namespace?: string | undefined;
  readonly labelSelector?: string | undefined;
  readonly annotationSelector?: string | undefined;
}

/** A selector field that cannot be read: a bad regular expression or label selector. */
export class InvalidSelectorError extends TypeError {
  override readonly name = 'InvalidSelectorError';
}

type Match = (object: Manifest) => boolean;

/** Compiles a selector once; the result matches objects as they are applied. */
export function compileSelector(selector: ObjectSelector): Match {
  const checks: Match[] = [];
  const field = (pattern: string | undefined, read: (object: Manifest) => string) => {
    if (pattern === undefined || pattern === '') return;
    const regex = compileRegex(pattern);
    checks.push((object) => regex.matches(read(object)));
  };
  field(selector.group, (o) => groupOf(o.apiVersion));
  field(selector.version, (o) => versionOf(o.apiVersion));
  field(selector.kind, (o) => o.kind);
  field(selector.name, (o) => o.metadata.name);
  field(selector.namespace, (o) => o.metadata.namespace ?? '');
  const labels = labelSelector(selector.labelSelector, 'labelSelector');
  if (labels !== undefined) checks.push((o) => matchLabels(labels, o.metadata.labels));
  const annotations = labelSelector(selector.annotationSelector, 'annotationSelector');
  if (annotations !== undefined)
    checks.push((o) => matchLabels(annotations, o.metadata.annotations));
  return (object) => checks.every((check) => check(object));
}

function compileRegex(pattern: string): RE2JS {
  try {
    return RE2JS.compile(`^(?:${pattern})$`);
  } catch (error) {
    throw new InvalidSelectorError(
      `invalid regular expression ${JSON.stringify(pattern)}: ${messageOf(error)}`,
      { cause: error },
    );
  }
}

/** A Kubernetes label selector; a parse error names the field it came from. */
function labelSelector(text: string | undefined, field: string): LabelMatcher | undefined {
  try {
    return parseLabelSelector(text);
  } catch (error) {
    if (error instanceof LabelSelectorError)
      throw new InvalidSelectorError(`${field}: ${error.message}`, { cause: error });
    throw error;
  }
}
