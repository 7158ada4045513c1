/**
 * Random but valid kustomization trees for property tests: a base with a mix of workloads and
 * config, an overlay with a random selection of the supported fields. Seeded, so failures
 * reproduce.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** mulberry32: a small deterministic PRNG. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Random = () => number;

function pick<T>(rand: Random, items: readonly T[]): T {
  const item = items[Math.floor(rand() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

const names = ['web', 'api', 'db', 'cache', 'worker'];
const values = [
  'a',
  'yes',
  '1',
  'x y',
  'multi\nline',
  '',
  'on',
  '0x10',
  'long '.repeat(20).trim(),
  '0777',
  '1e3',
  'a: b',
  '- x',
  '#c',
  ' lead',
  'trail ',
  'tab\there',
  'ünïcödé',
  'emoji 😀',
  '"quoted"',
  "'single'",
  'a\n b\n',
  '~',
  'null',
  '2020-01-01',
  '.5',
  '+1',
  '1:20',
  'N',
  'x'.repeat(90),
  'word '.repeat(15) + 'x'.repeat(40),
  'trailing newlines\n\n',
];

/**
 * A list keyed by two fields (ports by number and protocol, spread constraints by topology key
 * and policy), with the second key set on some elements only: where kustomize's merge is
 * least like Kubernetes'.
 */
function keyedList(
  rand: Random,
  field: 'ports' | 'topologySpreadConstraints',
  indent: string,
  patch: boolean,
): string[] {
  const lines: string[] = [];
  const count = Math.floor(rand() * 4);
  for (let i = 0; i < count; i++) {
    const element =
      field === 'ports'
        ? [`containerPort: ${pick(rand, [80, 81, 8080])}`, `name: p${Math.floor(rand() * 9)}`]
        : [
            `topologyKey: ${pick(rand, ['zone', 'host'])}`,
            `maxSkew: ${Math.floor(rand() * 4) + 1}`,
          ];
    const second = field === 'ports' ? 'protocol' : 'whenUnsatisfiable';
    const value =
      field === 'ports'
        ? pick(rand, ['TCP', 'UDP'])
        : pick(rand, ['DoNotSchedule', 'ScheduleAnyway']);
    if (rand() < 0.5) element.push(`${second}: ${value}`);
    if (patch && rand() < 0.25)
      element.push(`$patch: ${pick(rand, ['delete', 'replace', 'merge'])}`);
    element.forEach((line, index) => lines.push(`${indent}${index === 0 ? '- ' : '  '}${line}`));
  }
  return lines.length === 0 ? [] : [`${indent}${field}:`, ...lines];
}

function deployment(rand: Random, name: string, lists: Random): string {
  const kind = pick(rand, ['Deployment', 'StatefulSet', 'DaemonSet']);
  return `apiVersion: apps/v1
kind: ${kind}
metadata:
  name: ${name}
spec:
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
      serviceAccountName: ${name}
      containers:
      - name: main
        image: ${pick(rand, ['nginx', 'nginx:1.25', 'redis@sha256:abc', 'reg:5000/x/y:1'])}
        env:
        - name: V
          value: ${JSON.stringify(pick(rand, values))}
        envFrom:
        - configMapRef:
            name: ${name}-config
${[...keyedList(lists, 'ports', '        ', false), ...keyedList(lists, 'topologySpreadConstraints', '      ', false)].map((line) => `${line}\n`).join('')}      volumes:
      - name: data
        configMap:
          name: ${name}-config
`;
}

function configMap(rand: Random, name: string): string {
  return `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}-config
data:
  k: ${JSON.stringify(pick(rand, values))}
  n: ${JSON.stringify(pick(rand, values))}
`;
}

function serviceAccount(name: string): string {
  return `apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: ${name}\n`;
}

function service(name: string): string {
  return `apiVersion: v1
kind: Service
metadata:
  name: ${name}
spec:
  selector:
    app: ${name}
  ports:
  - port: 80
`;
}

/** Writes a base and an overlay under `dir`; returns the overlay directory to build. */
export function writeRandomKustomization(dir: string, seed: number): string {
  const rand = random(seed);
  // Keyed lists draw from their own stream, so the rest of each seed's tree stays as it was.
  const lists = random(seed * 7919 + 1);
  const chosen = names.filter(() => rand() < 0.6);
  if (chosen.length === 0) chosen.push('web');
  const docs = chosen.flatMap((name) => [
    deployment(rand, name, lists),
    configMap(rand, name),
    serviceAccount(name),
    service(name),
  ]);
  mkdirSync(join(dir, 'base'), { recursive: true });
  mkdirSync(join(dir, 'overlay'), { recursive: true });
  writeFileSync(join(dir, 'base', 'resources.yaml'), docs.join('---\n'));
  const base = ['resources:', '- resources.yaml'];
  if (rand() < 0.5) base.push(`namePrefix: ${pick(rand, ['b-', 'base-'])}`);
  if (rand() < 0.5) base.push('configMapGenerator:', '- name: generated', '  literals:', '  - a=1');
  writeFileSync(join(dir, 'base', 'kustomization.yaml'), `${base.join('\n')}\n`);

  const overlay = ['resources:', '- ../base'];
  if (rand() < 0.5) overlay.push(`namespace: ${pick(rand, ['prod', 'dev'])}`);
  if (rand() < 0.5) overlay.push(`namePrefix: ${pick(rand, ['o-', 'team-'])}`);
  if (rand() < 0.3) overlay.push('nameSuffix: -v1');
  if (rand() < 0.5) overlay.push('commonLabels:', `  team: ${pick(rand, ['core', 'edge'])}`);
  if (rand() < 0.4) {
    overlay.push('labels:', '- pairs:', '    env: x');
    if (rand() < 0.5) overlay.push('  includeSelectors: true');
    if (rand() < 0.5) overlay.push('  includeTemplates: true');
  }
  if (rand() < 0.5)
    overlay.push('commonAnnotations:', `  note: ${JSON.stringify(pick(rand, values))}`);
  if (rand() < 0.5)
    overlay.push('images:', '- name: nginx', `  newTag: "${pick(rand, ['1.27', 'latest'])}"`);
  const target = pick(rand, chosen);
  const patches: string[] = [];
  if (rand() < 0.5) {
    patches.push(
      '- target:',
      '    kind: Service',
      '  patch: |',
      '    - op: add',
      '      path: /metadata/labels',
      '      value:',
      '        patched: "true"',
    );
  }
  if (rand() < 0.5) {
    patches.push(
      '- patch: |',
      '    apiVersion: v1',
      '    kind: ConfigMap',
      '    metadata:',
      `      name: ${target}-config`,
      '    data:',
      `      extra: ${JSON.stringify(pick(rand, values))}`,
    );
  }
  if (lists() < 0.7) {
    const container = keyedList(lists, 'ports', '            ', true);
    if (container.length === 0 || lists() < 0.5) container.push('            image: patched');
    patches.push(
      '- target:',
      '    kind: (Deployment|StatefulSet|DaemonSet)',
      '  patch: |',
      '    apiVersion: apps/v1',
      '    kind: Deployment',
      '    metadata:',
      '      name: any',
      '    spec:',
      '      template:',
      '        spec:',
      ...keyedList(lists, 'topologySpreadConstraints', '          ', true),
      '          containers:',
      '          - name: main',
      ...container,
    );
  }
  if (patches.length > 0) overlay.push('patches:', ...patches);
  if (lists() < 0.3) overlay.push('buildMetadata: [transformerAnnotations]');
  if (rand() < 0.4) {
    overlay.push('configMapGenerator:', '- name: overlay-generated', '  literals:', '  - b=2');
  }
  if (rand() < 0.3) overlay.push('sortOptions:', '  order: fifo');
  if (rand() < 0.3)
    overlay.push('replicas:', `- name: ${target}`, `  count: ${pick(rand, [0, 2, 5])}`);
  if (rand() < 0.3) {
    overlay.push(
      'replacements:',
      '- source:',
      '    kind: ConfigMap',
      `    name: ${target}-config`,
      '    fieldPath: data.k',
      '  targets:',
      '  - select:',
      '      kind: Service',
      '    fieldPaths:',
      '    - metadata.annotations.copied',
      '    options:',
      '      create: true',
    );
  }
  if (rand() < 0.3) {
    mkdirSync(join(dir, 'component'), { recursive: true });
    const component = ['kind: Component', 'commonAnnotations:', '  component: "on"'];
    if (rand() < 0.5) {
      component.push(
        'configMapGenerator:',
        '- name: generated-by-component',
        '  literals:',
        '  - c=3',
      );
    }
    if (rand() < 0.5) component.push('images:', '- name: redis', '  newName: cache/redis');
    writeFileSync(join(dir, 'component', 'kustomization.yaml'), `${component.join('\n')}\n`);
    overlay.push('components:', '- ../component');
  }
  if (base.includes('configMapGenerator:') && rand() < 0.5) {
    overlay.push(
      'secretGenerator:',
      '- name: overlay-secret',
      '  literals:',
      `  - s=${pick(rand, ['x', 'long-secret-value-'.repeat(6)])}`,
    );
  }
  writeFileSync(join(dir, 'overlay', 'kustomization.yaml'), `${overlay.join('\n')}\n`);
  return join(dir, 'overlay');
}
