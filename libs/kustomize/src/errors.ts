/** Every failure of a build is a KustomizeError: its message names the file or field at fault. */
export class KustomizeError extends Error {
  override readonly name = 'KustomizeError';
}
