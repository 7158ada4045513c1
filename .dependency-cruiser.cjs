// The layering of ARCHITECTURE.md, checked by `make lint` (dependency-cruiser). Workspace
// packages resolve to their sources through the `source` export condition, so the check needs
// no build. test/lint/boundaries.test.ts proves each rule fails on a wrong import.

/** Engines re-implement a tool on plain data: no cluster, no controller, no runtime. */
const engines = '^libs/(kustomize|gotemplate)/';
/** What an engine may not import: everything that talks to a cluster or runs a reconcile. */
const clusterCode = [
  '^libs/kube/src/(?!selector\\.ts$)',
  '^libs/(runtime|ssa|api|kustomization|artifact)/',
  '^controllers/',
  '^cli/',
  '(^|/)node_modules/@kubernetes/',
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'lib-imports-controller-or-cli',
      comment: 'A library never imports a controller or the CLI: they are built on libraries.',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^(controllers|cli)/' },
    },
    {
      name: 'cli-imports-controller',
      comment:
        'The CLI shares code with controllers through libraries (@tide/kustomization), never by importing one.',
      severity: 'error',
      from: { path: '^cli/' },
      to: { path: '^controllers/' },
    },
    {
      name: 'controller-imports-controller',
      comment:
        'Controllers talk only through Kubernetes objects and artifact URLs, tests included: only test/e2e runs them together, as processes.',
      severity: 'error',
      from: { path: '^controllers/([^/]+)/' },
      to: { path: '^controllers/([^/]+)/', pathNot: '^controllers/$1/' },
    },
    {
      name: 'engine-imports-cluster-code',
      comment:
        'Engines (kustomize, gotemplate) are pure: output from input, runnable in a worker, testable against the real tool.',
      severity: 'error',
      from: { path: engines },
      to: { path: clusterCode },
    },
    {
      name: 'production-imports-test-code',
      comment: 'Production code never imports test helpers (harness, test-support, test files).',
      severity: 'error',
      from: { path: '^(libs|controllers|cli)/[^/]+/src/|^cli/src/', pathNot: '\\.test\\.ts$' },
      to: { path: '^test/|/test/' },
    },
    {
      name: 'kube-imports-workspace',
      comment: '@tide/kube is the bottom layer: nothing below it but Node and client-node.',
      severity: 'error',
      from: { path: '^libs/kube/src/' },
      to: { path: '^(libs|controllers|cli|test)/', pathNot: '^libs/kube/' },
    },
  ],
  options: {
    doNotFollow: { path: '(^|/)node_modules/' },
    exclude: { path: '(^|/)(dist|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['source', 'import', 'default'],
      extensions: ['.ts', '.js', '.json'],
      mainFields: ['module', 'main'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
