import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { makeTempDir, oracles, repoRoot, run, sharedControlPlane, type TempDir } from '@tide/harness';

/**
 * The charts' security settings (review H4 and L2), rendered by the real helm: the
 * multi-tenancy lockdown of kustomize-controller, get-only Secrets, size-limited emptyDirs,
 * and a PodDisruptionBudget exactly when there is more than one replica.
 */
const chartsDir = join(repoRoot(), 'charts');
const charts = ['kustomize-controller', 'source-controller'];

interface Manifest {
  kind?: string;
  metadata?: { name?: string };
  [key: string]: unknown;
}
interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
}
interface Binding extends Manifest {
  roleRef: { kind: string; name: string };
}
interface PodSpec {
  containers: { name: string; args?: string[] }[];
  volumes?: { name: string; emptyDir?: { sizeLimit?: string } }[];
}
interface Deployment extends Manifest {
  spec: { template: { metadata: { labels: Record<string, string> }; spec: PodSpec } };
}
interface NetworkPolicy extends Manifest {
  spec: {
    podSelector: { matchLabels: Record<string, string> };
    policyTypes: string[];
    ingress: { ports: { port: number }[]; from: unknown[] }[];
  };
}
interface Budget extends Manifest {
  spec: { minAvailable?: number; selector: { matchLabels: Record<string, string> } };
}

function ofKind<T extends Manifest>(manifests: readonly Manifest[], kind: string): T[] {
  return manifests.filter((m) => m.kind === kind) as T[];
}

function deploymentOf(manifests: readonly Manifest[]): Deployment {
  const [deployment, ...more] = ofKind<Deployment>(manifests, 'Deployment');
  if (deployment === undefined || more.length > 0) throw new Error('expected one Deployment');
  return deployment;
}

function managerArgs(manifests: readonly Manifest[]): string[] {
  const manager = deploymentOf(manifests).spec.template.spec.containers.find((c) => c.name === 'manager');
  return manager?.args ?? [];
}

describe.each(charts)('chart %s hardening', (chart) => {
  const controlPlane = sharedControlPlane();
  let temp: TempDir;
  let tools: { helm: string; kubectl: string };

  const template = (args: string[]) =>
    run(tools.helm, ['template', 'tide', join(chartsDir, chart), ...args], {
      env: {
        ...process.env,
        HELM_CACHE_HOME: join(temp.path, 'c'),
        HELM_CONFIG_HOME: join(temp.path, 'f'),
        HELM_DATA_HOME: join(temp.path, 'd'),
      },
    });
  const render = async (args: string[]): Promise<Manifest[]> =>
    parseAllDocuments(await template(args))
      .map((d) => d.toJS() as Manifest | null)
      .filter((d): d is Manifest => typeof d?.kind === 'string');

  beforeAll(async () => {
    temp = await makeTempDir(`chart-hardening-${chart}`);
    tools = await oracles();
  });
  afterAll(() => temp.remove());

  it('grants only get on Secrets', async () => {
    const rules = ofKind<Manifest & { rules: PolicyRule[] }>(await render([]), 'ClusterRole').flatMap((r) => r.rules);
    const secretRules = rules.filter(
      (r) => (r.apiGroups ?? []).includes('') && (r.resources ?? []).some((res) => res === 'secrets' || res === '*'),
    );
    expect(secretRules.length).toBeGreaterThan(0);
    for (const rule of secretRules) expect(rule.verbs).toEqual(['get']);
  });

  it('caps every emptyDir with a sizeLimit (tmp.sizeLimit for /tmp)', async () => {
    const volumes = deploymentOf(await render(['--set', 'tmp.sizeLimit=300Mi'])).spec.template.spec.volumes ?? [];
    const emptyDirs = volumes.filter((v) => v.emptyDir !== undefined);
    expect(emptyDirs.map((v) => v.name)).toContain('tmp');
    for (const volume of emptyDirs) expect(volume.emptyDir?.sizeLimit).toMatch(/^\d+(Ki|Mi|Gi)$/);
    expect(volumes.find((v) => v.name === 'tmp')?.emptyDir?.sizeLimit).toBe('300Mi');
  });

  it('renders a PodDisruptionBudget only when replicas > 1, and the API server accepts it', async () => {
    expect(ofKind(await render(['--set', 'replicas=1']), 'PodDisruptionBudget')).toEqual([]);

    const namespace = await controlPlane.createNamespace(`chart-pdb-${chart}`.slice(0, 40));
    const args = ['--namespace', namespace, '--include-crds', '--set', 'replicas=2'];
    const manifests = await render(args);
    const budgets = ofKind<Budget>(manifests, 'PodDisruptionBudget');
    expect(budgets).toHaveLength(1);
    const [budget] = budgets;
    expect(budget?.spec.minAvailable).toBe(1);
    const podLabels = deploymentOf(manifests).spec.template.metadata.labels;
    expect(podLabels).toEqual(expect.objectContaining(budget?.spec.selector.matchLabels ?? { missing: 'selector' }));

    const out = await run(
      tools.kubectl,
      ['--kubeconfig', controlPlane.kubeconfigPath, 'apply', '--server-side', '--dry-run=server', '--field-manager=tide-chart-test', '-f', '-'],
      { input: await template(args) },
    );
    expect(out).toMatch(/poddisruptionbudget\.policy\/\S+ (serverside-applied|created) \(server dry run\)/);
  });

  it('renders an ingress NetworkPolicy per port that the API server accepts, and none when disabled', async () => {
    expect(ofKind(await render(['--set', 'networkPolicy.enabled=false']), 'NetworkPolicy')).toEqual([]);

    const namespace = await controlPlane.createNamespace(`chart-netpol-${chart}`.slice(0, 40));
    const args = ['--namespace', namespace, '--include-crds'];
    const manifests = await render(args);
    const policies = ofKind<NetworkPolicy>(manifests, 'NetworkPolicy');
    expect(policies).toHaveLength(1);
    const [policy] = policies;
    expect(policy?.spec.policyTypes).toEqual(['Ingress']);
    const podLabels = deploymentOf(manifests).spec.template.metadata.labels;
    expect(podLabels).toEqual(expect.objectContaining(policy?.spec.podSelector.matchLabels ?? { missing: 'selector' }));
    const byPort = new Map((policy?.spec.ingress ?? []).map((rule) => [rule.ports[0]?.port, rule.from]));
    expect(byPort.get(8080)).toEqual([{ namespaceSelector: {} }]);
    if (chart === 'source-controller') expect(byPort.get(9090)).toEqual([{ podSelector: {} }]);
    expect([...byPort.keys()].sort()).toEqual(chart === 'source-controller' ? [8080, 9090] : [8080]);

    const out = await run(
      tools.kubectl,
      ['--kubeconfig', controlPlane.kubeconfigPath, 'apply', '--server-side', '--dry-run=server', '--field-manager=tide-chart-test', '-f', '-'],
      { input: await template(args) },
    );
    expect(out).toMatch(/networkpolicy\.networking\.k8s\.io\/\S+ (serverside-applied|created) \(server dry run\)/);
  });

  if (chart !== 'kustomize-controller') return;

  it('multiTenancy.enabled=true renders the three lockdown flags and no cluster-admin binding', async () => {
    const clusterAdminBindings = (manifests: Manifest[]) =>
      ofKind<Binding>(manifests, 'ClusterRoleBinding').filter((b) => b.roleRef.name === 'cluster-admin');
    const defaults = await render([]);
    expect(clusterAdminBindings(defaults)).toHaveLength(1);
    const defaultArgs = managerArgs(defaults);
    expect(defaultArgs).toContain('--no-cross-namespace-refs=false');
    expect(defaultArgs.filter((a) => /^--(default-service-account|no-remote-bases)\b/.test(a))).toEqual([]);

    const locked = await render(['--set', 'multiTenancy.enabled=true', '--set', 'rbac.clusterAdmin=true']);
    const args = managerArgs(locked);
    expect(args).toEqual(
      expect.arrayContaining(['--no-cross-namespace-refs=true', '--default-service-account=default', '--no-remote-bases=true']),
    );
    // One value per flag (a later --no-cross-namespace-refs=false would win in the binary).
    expect(args.filter((a) => a.startsWith('--no-cross-namespace-refs'))).toEqual(['--no-cross-namespace-refs=true']);
    expect(clusterAdminBindings(locked)).toEqual([]);
  });

  it('artifactHosts renders --artifact-hosts; empty leaves the controller default', async () => {
    const hostFlags = (args: string[]) => args.filter((a) => a.startsWith('--artifact-hosts'));
    expect(hostFlags(managerArgs(await render([])))).toEqual([]);
    const set = await render(['--set', 'artifactHosts={source-controller.flux.svc.cluster.local.,artifacts.example:9090}']);
    expect(hostFlags(managerArgs(set))).toEqual([
      '--artifact-hosts=source-controller.flux.svc.cluster.local.,artifacts.example:9090',
    ]);
  });
});
