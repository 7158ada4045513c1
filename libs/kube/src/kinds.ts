import type { KindRef } from './object.js';

/** The core kinds controllers read and write beside their own. */
function coreKind(kind: string, plural: string): KindRef {
  return { group: '', version: 'v1', kind, plural, namespaced: true };
}

export const secretKind = coreKind('Secret', 'secrets');
export const configMapKind = coreKind('ConfigMap', 'configmaps');
export const serviceAccountKind = coreKind('ServiceAccount', 'serviceaccounts');
