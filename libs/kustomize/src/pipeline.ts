/**
 * The order in which a level's generators and built-in transformers run, as kustomize runs
 * them, and the transformer annotations each one records. What each one does lives in
 * generators.ts, patch/ and transformers/.
 */
import { annotateOrigin, originText, recordTransformers, sourceOf } from './build-metadata.js';
import type { CrdConfig } from './crds.js';
import { absorbGenerated, generate, parseGeneratorOptions } from './generators.js';
import { legacyJsonPatches, legacyStrategicPatches, patchesOf } from './patch/fields.js';
import { applyPatches } from './patch/patches.js';
import type { Level } from './target.js';
import { parseImages, setImages } from './transformers/images.js';
import {
  applyLabelEntry,
  commonAnnotationSpecs,
  commonLabelSpecs,
  setPairs,
} from './transformers/labels.js';
import { addPrefixSuffix, prefixIdentityFields, suffixFields } from './transformers/names.js';
import { setNamespace, setNamespaceFields } from './transformers/namespace.js';
import { applyReplacements, replacementsOf } from './transformers/replacements.js';
import { parseReplicas, setReplicas } from './transformers/replicas.js';

/** `configMapGenerator`, then `secretGenerator`, each entry merged into the level's index. */
export function runGenerators(level: Level): void {
  const { kustomization, fields, root, origin, index, loader, session } = level;
  const options = parseGeneratorOptions(kustomization.fields.generatorOptions, origin);
  const context = { loader, root, origin, options };
  const generators = [
    ['ConfigMap', 'configMapGenerator', 'ConfigMapGenerator'],
    ['Secret', 'secretGenerator', 'SecretGenerator'],
  ] as const;
  for (const [kind, field, plugin] of generators) {
    for (const args of fields.list(field)) {
      const { resource, behavior } = generate(kind, args, context);
      if (session.originAnnotations && behavior === 'create') {
        const { path: configuredIn, ...repository } = sourceOf(session, origin);
        annotateOrigin(resource, originText({ ...repository, configuredIn, configuredBy: plugin }));
      }
      absorbGenerated(index, resource, behavior, origin);
    }
  }
}

/** The built-in transformers in kustomize's order. */
export function runTransformers(level: Level, crds: CrdConfig): void {
  const { fields, origin, index, session } = level;
  const record = (kind: string, count: number) => {
    recordTransformers(index.all(), session, origin, kind, count);
  };
  const strategicPatches = legacyStrategicPatches(fields, level);
  applyPatches(index, strategicPatches);
  record('PatchStrategicMergeTransformer', Math.min(strategicPatches.length, 1));
  applyPatches(index, patchesOf(fields, level));
  record('PatchTransformer', fields.list('patches').length);

  const namespace = fields.string('namespace');
  if (namespace !== undefined && namespace !== '') {
    setNamespace(index.all(), namespace);
    setNamespaceFields(index.all(), namespace, crds.namespaceSpecs);
    index.rekeyAll('namespace');
    record('NamespaceTransformer', 1);
  }
  const prefix = fields.string('namePrefix') ?? '';
  const suffix = fields.string('nameSuffix') ?? '';
  if (prefix !== '' || suffix !== '') {
    addPrefixSuffix(index.all(), prefix, suffix);
    prefixIdentityFields(index.all(), prefix, crds.prefixSpecs);
    suffixFields(index.all(), suffix, crds.suffixSpecs);
    index.rekeyAll('prefix/suffix');
    record('PrefixTransformer', prefix === '' ? 0 : 1);
    record('SuffixTransformer', suffix === '' ? 0 : 1);
  }
  const commonLabels = fields.stringMap('commonLabels');
  const labels = fields.list('labels');
  setPairs(index.all(), commonLabels, [...commonLabelSpecs, ...crds.labelSpecs]);
  for (const entry of labels) applyLabelEntry(entry, index.all(), origin, crds);
  // One transformer per labels entry plus the commonLabels one, unless there are neither.
  const anyLabels = labels.length > 0 || Object.keys(commonLabels).length > 0;
  record('LabelTransformer', anyLabels ? labels.length + 1 : 0);
  const commonAnnotations = fields.stringMap('commonAnnotations');
  setPairs(index.all(), commonAnnotations, [...commonAnnotationSpecs, ...crds.annotationSpecs]);
  record('AnnotationsTransformer', Math.min(Object.keys(commonAnnotations).length, 1));
  const jsonPatches = legacyJsonPatches(fields, level);
  applyPatches(index, jsonPatches);
  record('PatchJson6902Transformer', jsonPatches.length);
  const replicas = parseReplicas(fields.list('replicas'), origin);
  setReplicas(index.all(), replicas, crds.replicaSpecs);
  record('ReplicaCountTransformer', replicas.length);
  const images = parseImages(fields.list('images'), origin);
  setImages(index.all(), images, crds.imageSpecs);
  record('ImageTagTransformer', images.length);
  const replacements = replacementsOf(fields, level);
  applyReplacements(index.all(), replacements);
  record('ReplacementTransformer', Math.min(replacements.length, 1));
}
