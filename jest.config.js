// One jest run for the whole workspace. Sources are ESM TypeScript compiled by swc; imports
// of workspace packages (`@tide/x`) resolve to their sources, so tests never need a build.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('.', import.meta.url).pathname;
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

function workspaceDirs() {
  const dirs = [];
  for (const pattern of manifest.workspaces) {
    if (!pattern.endsWith('/*')) {
      dirs.push(pattern);
      continue;
    }
    const parent = pattern.slice(0, -2);
    if (!existsSync(join(root, parent))) continue;
    for (const entry of readdirSync(join(root, parent), { withFileTypes: true })) {
      if (entry.isDirectory()) dirs.push(`${parent}/${entry.name}`);
    }
  }
  return dirs.filter((dir) => existsSync(join(root, dir, 'package.json')));
}

const workspaceSources = {};
for (const dir of workspaceDirs()) {
  const { name } = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
  if (existsSync(join(root, dir, 'src', 'index.ts'))) {
    workspaceSources[`^${name.replace('/', '\\/')}$`] = `<rootDir>/${dir}/src/index.ts`;
  }
  // Subpath exports (`@tide/kube/selector`) resolve to the source file of the same name.
  workspaceSources[`^${name.replace('/', '\\/')}/([a-z-]+)$`] = `<rootDir>/${dir}/src/$1.ts`;
}

const swc = [
  '@swc/jest',
  {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'es6' },
    sourceMaps: 'inline',
  },
];

export default {
  rootDir: root,
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: {
    ...workspaceSources,
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testMatch: ['<rootDir>/**/*.test.ts'],
  testPathIgnorePatterns: [
    '/node_modules/',
    '/dist/',
    '<rootDir>/test/e2e/',
    '<rootDir>/test/bench/',
  ],
  globalSetup: '<rootDir>/test/jest/global-setup.js',
  globalTeardown: '<rootDir>/test/jest/global-teardown.js',
  testTimeout: 120_000,
  maxWorkers: 2,
};
