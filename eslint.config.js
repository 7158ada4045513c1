// typescript-eslint strictTypeChecked over every TypeScript source and test.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'crds/**', 'charts/**', 'coverage/**'] },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [...tseslint.configs.strictTypeChecked, ...tseslint.configs.stylisticTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-import-type-side-effects': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-explicit-any': 'error',
      // client-node's models are data-only classes; object literals of their shape are what
      // its own docs pass.
      '@typescript-eslint/no-unsafe-class-instance-assignment': 'off',
    },
  },
  ...declaredDependencies(),
  {
    files: ['**/*.js'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        globalThis: 'readonly',
      },
    },
  },
);

/**
 * Every import of a package, workspace packages included, is declared: in the package.json of
 * the workspace package the file belongs to (production code in dependencies, tests in
 * devDependencies), or for the root's own tests (test/e2e, test/charts, test/lint) in the
 * root package.json. The root's devDependencies (jest, typescript) serve every package's tests.
 */
function declaredDependencies() {
  const root = import.meta.dirname;
  const { workspaces } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const packages = workspaces.flatMap((pattern) =>
    pattern.endsWith('/*')
      ? readdirSync(join(root, pattern.slice(0, -2)), { withFileTypes: true })
          .filter((entry) => entry.isDirectory())
          .map((entry) => `${pattern.slice(0, -2)}/${entry.name}`)
      : [pattern],
  );
  const rule = (packageDir) => ({
    'import-x/no-extraneous-dependencies': [
      'error',
      {
        devDependencies: ['**/test/**', '**/*.test.ts'],
        optionalDependencies: false,
        peerDependencies: false,
        includeTypes: true,
        packageDir,
      },
    ],
  });
  return [
    { files: ['**/*.ts'], plugins: { 'import-x': importX }, rules: rule([root]) },
    ...packages
      .filter((dir) => existsSync(join(root, dir, 'package.json')))
      .map((dir) => ({ files: [`${dir}/**/*.ts`], rules: rule([join(root, dir), root]) })),
  ];
}
