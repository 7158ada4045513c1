import type { Condition, KubeObject } from '@tide/kube';

/** The status fields every Flux kind has (fluxcd/pkg/apis/meta ReconcileRequestStatus et al.). */
export interface ReconcileStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  lastHandledReconcileAt?: string;
}

/** An object with a status the runtime manages; spec and the rest of status are the kind's. */
export interface ReconcilableObject extends KubeObject {
  spec?: { suspend?: boolean; interval?: string } & Record<string, unknown>;
  status?: ReconcileStatus & Record<string, unknown>;
}
