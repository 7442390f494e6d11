import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * Component boundaries (docs/architecture.md): no import cycles in src/, and another component
 * only through its public entry (src/components/<name>/index.ts). Infrastructure and the shared
 * vocabulary import no component. tests/unit/lint-boundaries.test.ts proves each rule fires.
 */
const deepComponentImport = {
  regex: String.raw`(^|/)components/[^/]+/.+`,
  message: 'Import a component only through its entry (src/components/<name>/index.ts).',
};
const componentBoundaries = [
  {
    // One place reads the environment: the config module validates it once (house rules).
    files: ['src/**/*.ts'],
    ignores: ['src/infra/config/**'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read settings from the Config (src/infra/config).' }],
    },
  },
  {
    // Small files with one idea each, and functions that fit on a screen (comments count too).
    files: ['src/**/*.ts'],
    rules: { 'max-lines': ['error', { max: 300 }], 'max-lines-per-function': ['error', { max: 80 }] },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: 'tsconfig.json' })],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'no-restricted-imports': ['error', { patterns: [deepComponentImport] }],
    },
  },
  {
    files: ['src/components/*/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            deepComponentImport,
            { regex: String.raw`^\.\./(?!\.\.)[^/]+/.+`, message: 'Import another component only through its entry (../<name>).' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/infra/**/*.ts', 'src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: String.raw`(^|/)components(/|$)`, message: 'Infrastructure and the shared vocabulary import no component.' }] },
      ],
    },
  },
];

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'node_modules/', '.stack/', '.tools/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    rules: {
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
    },
  },
  ...componentBoundaries,
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { sourceType: 'module' },
  },
  {
    // The k6 script and its modules: ES modules run by k6 (type-checked by tsconfig.k6.json).
    files: ['load-test.js', 'load/**/*.js'],
    languageOptions: { sourceType: 'module', globals: { __ENV: 'readonly', __VU: 'readonly' } },
  },
  {
    files: ['tests/**/*.ts', 'src/**/*.test.ts'],
    // supertest bodies and jest's asymmetric matchers are typed `any` by their libraries.
    rules: {
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
);
