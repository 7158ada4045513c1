/** Why a chart or repository operation failed, as a condition reason. */
export type HelmErrorReason =
  | 'InvalidChart'
  | 'InvalidIndex'
  | 'ChartNotFound'
  | 'InvalidValues'
  | 'TooLarge'
  | 'RenderFailed'
  | 'SchemaViolation';

export class HelmError extends Error {
  override readonly name = 'HelmError';
  constructor(
    readonly reason: HelmErrorReason,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
