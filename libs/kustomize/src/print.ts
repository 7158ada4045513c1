/**
 * The last touch before printing: kustomize keeps its bookkeeping in `metadata.annotations` and
 * drops the field once that bookkeeping is removed and nothing else is left, so a resource never
 * comes out with `annotations: {}` or `annotations: null` in its metadata (nested metadata, as
 * in pod templates, keeps them).
 */
import { isMap, type ValueMap } from './value.js';

export function dropEmptyAnnotations(objects: readonly ValueMap[]): void {
  for (const object of objects) {
    const metadata = object.metadata;
    if (!isMap(metadata) || !('annotations' in metadata)) continue;
    const annotations = metadata.annotations;
    if (annotations === null || (isMap(annotations) && Object.keys(annotations).length === 0)) {
      delete metadata.annotations;
    }
  }
}
