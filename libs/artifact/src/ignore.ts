import ignore, { type Ignore } from 'ignore';

/**
 * What source-controller leaves out of artifacts by default: VCS metadata, binaries and
 * archives, CI configuration, and files of other tools. Patterns use .gitignore syntax.
 */
export const defaultExclusions: readonly string[] = [
  '.git/',
  '.gitignore',
  '.gitmodules',
  '.gitattributes',
  '*.jpg',
  '*.jpeg',
  '*.gif',
  '*.png',
  '*.wmv',
  '*.flv',
  '*.tar.gz',
  '*.zip',
  '.github/',
  '.circleci/',
  '.travis.yml',
  '.gitlab-ci.yml',
  'appveyor.yml',
  '.drone.yml',
  'cloudbuild.yaml',
  'codeship-services.yml',
  'codeship-steps.yml',
  '**/.goreleaser.yml',
  '**/.sops.yaml',
  '**/.flux.yaml',
];

/** The name of the in-tree ignore file; its patterns apply below the directory holding it. */
export const sourceIgnoreFile = '.sourceignore';

export interface IgnoreRules {
  /** `.sourceignore` files found in the tree, by the directory holding them ('' for the root). */
  readonly sourceIgnoreFiles?: ReadonlyMap<string, string>;
  /** `spec.ignore`: applied last, so its `!pattern` lines can bring back excluded paths. */
  readonly specIgnore?: string;
  /** Leave out the default exclusions (Bucket sources do). */
  readonly withoutDefaults?: boolean;
}

/**
 * Decides whether a path (relative, `/`-separated) is left out of an artifact: the default
 * exclusions, then every `.sourceignore` in its domain (its own directory and above, root
 * first), then `spec.ignore`. Later rules win, as in .gitignore.
 */
export class IgnoreMatcher {
  readonly #root: Ignore;
  readonly #domains: readonly { dir: string; rules: Ignore }[];
  /** Directory verdicts: a tree of 10,000 files shares a few hundred directories. */
  readonly #directories = new Map<string, boolean>();

  constructor(rules: IgnoreRules = {}) {
    this.#root = ignore();
    if (rules.withoutDefaults !== true) this.#root.add([...defaultExclusions]);
    const domains: { dir: string; rules: Ignore }[] = [];
    const files = [...(rules.sourceIgnoreFiles ?? new Map<string, string>())].sort(
      ([a], [b]) => a.length - b.length,
    );
    for (const [dir, text] of files) {
      if (dir === '') this.#root.add(text);
      else domains.push({ dir, rules: ignore().add(text) });
    }
    this.#domains = domains;
    if (rules.specIgnore !== undefined) this.#root.add(rules.specIgnore);
  }

  /** True when `path` (a file, or a directory when `isDirectory`) is excluded. */
  ignores(path: string, isDirectory = false): boolean {
    const subject = isDirectory ? `${path}/` : path;
    if (this.#root.ignores(subject)) return true;
    for (const { dir, rules } of this.#domains) {
      if (path.startsWith(`${dir}/`) && rules.ignores(subject.slice(dir.length + 1))) return true;
    }
    return false;
  }

  /** True when `path` or any of its parent directories is excluded. */
  excludes(path: string): boolean {
    const slash = path.lastIndexOf('/');
    return (slash > 0 && this.directoryExcluded(path.slice(0, slash))) || this.ignores(path);
  }

  private directoryExcluded(dir: string): boolean {
    let verdict = this.#directories.get(dir);
    if (verdict === undefined) {
      const slash = dir.lastIndexOf('/');
      verdict =
        (slash > 0 && this.directoryExcluded(dir.slice(0, slash))) || this.ignores(dir, true);
      this.#directories.set(dir, verdict);
    }
    return verdict;
  }
}
