// Lint: typescript-eslint's type-checked rules on the library, the recommended ones elsewhere; formatting is
// Prettier's (eslint-config-prettier turns off the rules it owns). `npm run lint` also checks the format and
// the layering (dependency-cruiser).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'lib/portal/assets/**', 'node_modules/**', 'coverage/**', '.docs-snippets/**', 'bench/results/**', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['lib/**/*.ts'],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Promises handed to `void` on purpose are the module's fire-and-forget hand-overs (after a commit).
      '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'error',
    },
  },
  {
    // The in-memory stores implement the same promise-returning interfaces as the TypeORM ones, with nothing
    // to wait for. Their methods stay `async` so that a throw (not found, not allowed) is a rejection, as it
    // is from every other store, never an exception thrown at the caller.
    files: ['lib/stores/memory/memory-*.store.ts'],
    rules: { '@typescript-eslint/require-await': 'off' },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'sample/**/*.ts', 'docs/**/*.ts', '*.mts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  prettier,
);
