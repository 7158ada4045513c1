/**
 * The status vocabulary Flux kinds share: metav1.Condition and the artifact a source
 * publishes. @tide/api's schemas describe the same shapes for the CRDs.
 */

export const ConditionStatus = {
  True: 'True',
  False: 'False',
  Unknown: 'Unknown',
} as const;
export type ConditionStatus = (typeof ConditionStatus)[keyof typeof ConditionStatus];

/** metav1.Condition. */
export interface Condition {
  type: string;
  status: ConditionStatus;
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

/** An artifact as it appears in `.status.artifact` of a source (Flux's fields). */
export interface Artifact {
  /** `<kind>/<namespace>/<name>/<file>`, relative to the storage root. */
  path: string;
  /** HTTP address the artifact can be downloaded from. */
  url: string;
  /** Human-readable revision, e.g. `main@sha1:<hex>`. */
  revision: string;
  /** `sha256:<hex>` of the file; Flux's older versions may leave it out. */
  digest?: string;
  /** RFC 3339. */
  lastUpdateTime: string;
  size?: number;
  metadata?: Record<string, string>;
}

/** The kstatus condition types every kind has; kinds add their own next to their API types. */
export const CoreCondition = {
  Ready: 'Ready',
  Reconciling: 'Reconciling',
  Stalled: 'Stalled',
} as const;

/** The reasons the reconcile loop itself writes (Flux's names). */
export const CoreReason = {
  Succeeded: 'Succeeded',
  Failed: 'Failed',
  Progressing: 'Progressing',
  ProgressingWithRetry: 'ProgressingWithRetry',
  DependencyNotReady: 'DependencyNotReady',
} as const;
