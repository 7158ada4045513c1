import { isPlainObject, type Manifest, messageOf } from '@tide/kube';
import {
  copyAt,
  parsePointer,
  removeAt,
  removeOwnership,
  valueAt,
  type Pointer,
} from './pointer.js';
import { compileSelector, type ObjectSelector } from './selector.js';

/**
 * Flux's drift ignore rule (`spec.ignore[]`): JSON pointers (RFC 6901) into the
 * objects the target selects (all when it has none) that the apply neither reports nor
 * reverts. `` (the empty pointer) is the whole object.
 */
export interface IgnoreRule {
  readonly paths: readonly string[];
  readonly target?: ObjectSelector | undefined;
}

/** A rule that cannot be used: a path that is not a JSON pointer, or a bad selector. */
export class InvalidIgnoreRuleError extends TypeError {
  override readonly name = 'InvalidIgnoreRuleError';
  constructor(
    /** The rule's position in the list given to compile. */
    readonly index: number,
    /** What is wrong, without the rule's position. */
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`drift ignore rule ${index}: ${reason}`, options);
  }
}

interface CompiledRule {
  readonly pointers: readonly Pointer[];
  readonly matches: (object: Manifest) => boolean;
}

/**
 * Ignore rules compiled once (pointers parsed, regular expressions and label selectors
 * built) and applied to each object of a set. Rules match the object as it is applied.
 */
export class DriftIgnoreRules {
  private constructor(private readonly rules: readonly CompiledRule[]) {}

  /** Compiles rules; an InvalidIgnoreRuleError names the rule (by index) and what is wrong. */
  static compile(rules: readonly IgnoreRule[]): DriftIgnoreRules {
    return new DriftIgnoreRules(
      rules.map((rule, index) => {
        try {
          return {
            pointers: rule.paths.map(parsePointer),
            matches: compileSelector(rule.target ?? {}),
          };
        } catch (error) {
          const reason = messageOf(error);
          throw new InvalidIgnoreRuleError(index, reason, { cause: error });
        }
      }),
    );
  }

  /** The pointers ignored on this object, in rule order. */
  pointersFor(object: Manifest): Pointer[] {
    return this.rules.flatMap((rule) => (rule.matches(object) ? rule.pointers : []));
  }
}

/** Whether a rule ignores the object as a whole (the empty pointer). */
export function ignoresWholeObject(pointers: readonly Pointer[]): boolean {
  return pointers.some((pointer) => pointer.length === 0);
}

/**
 * Makes the body to apply keep the live value at each ignored path the live object has,
 * so an apply never reverts it. A path the live object lacks keeps the desired value, as
 * in Flux: a field the manifest adds there goes in with the next apply of other changes.
 */
export function keepLiveValues(body: Manifest, live: Manifest, pointers: readonly Pointer[]): void {
  for (const pointer of pointers) {
    if (valueAt(live, pointer) === undefined) continue;
    copyAt(live, body, pointer);
  }
}

/**
 * The object without the ignored paths, nor who owns them: what an ignored field's value
 * or ownership is makes no difference between the live object and a dry run.
 */
export function withoutIgnored(object: Manifest, pointers: readonly Pointer[]): Manifest {
  if (pointers.length === 0) return object;
  const copy = structuredClone(object);
  for (const pointer of pointers) {
    removeOwnership(copy, pointer);
    removeAt(copy, pointer);
  }
  // A rule may name /metadata itself; the comparison still needs the object's name.
  if (!isPlainObject(copy.metadata)) copy.metadata = { name: object.metadata.name };
  return copy;
}
