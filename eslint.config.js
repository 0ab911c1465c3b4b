// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import pluginVue from 'eslint-plugin-vue';
import globals from 'globals';

/**
 * Import boundaries (docs/ARCHITECTURE.md): protocol <- core <- platform <- engines <- {booth, server, cli};
 * main -> booth; renderer -> protocol. Only main/ imports `electron`.
 */
const noElectron = { name: 'electron', message: 'only main/ may import electron' };
const pattern = (group, message) => ({ group, message });

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'release/**', 'node_modules/**', 'data/**', 'coverage/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...pluginVue.configs['flat/recommended'],
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: false }],
    },
  },
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] }, globals: { ...globals.browser } },
    rules: { 'vue/multi-word-component-names': 'off', 'vue/max-attributes-per-line': 'off', 'vue/singleline-html-element-content-newline': 'off', 'vue/html-self-closing': 'off' },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [noElectron], patterns: [pattern(['**/main/**', '**/renderer/**', '../../main/*', '../../renderer/*'], 'src/ never imports main/ or renderer/')] }],
    },
  },
  {
    files: ['src/protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [noElectron], patterns: [pattern(['../core/**', '../booth/**', '../server/**', '../cli/**', '../platform/**', 'node:*'], 'src/protocol imports nothing of ours and no Node APIs')] }],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron, ...['node:fs', 'node:fs/promises', 'node:child_process', 'node:net', 'node:http', 'node:https'].map((name) => ({ name, message: 'src/core is pure logic without I/O' }))],
          patterns: [pattern(['../booth/**', '../server/**', '../cli/**', '../platform/**'], 'src/core imports only src/protocol')],
        },
      ],
    },
  },
  {
    files: ['src/platform/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [noElectron], patterns: [pattern(['../booth/**', '../server/**', '../cli/**', '../engines/**'], 'src/platform is shared by booth and server and imports neither')] }] },
  },
  {
    // Face and speech engines: used by the booth (live checks) and the server (archive re-run).
    files: ['src/engines/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [noElectron], patterns: [pattern(['**/booth/**', '**/server/**', '**/cli/**', '**/main/**', '**/renderer/**'], 'src/engines is shared by booth and server and imports neither')] }] },
  },
  {
    files: ['src/booth/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [noElectron], patterns: [pattern(['**/server/**', '**/cli/**', '**/main/**', '**/renderer/**'], 'src/booth does not import the server, the CLI, main/ or renderer/')] }] },
  },
  {
    files: ['src/server/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [noElectron], patterns: [pattern(['**/booth/**', '**/cli/**', '**/main/**', '**/renderer/**'], 'src/server does not import the booth, the CLI, main/ or renderer/')] }] },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.vue'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [noElectron], patterns: [pattern(['node:*', '**/src/core/**', '**/src/booth/**', '**/src/server/**', '**/src/cli/**', '**/src/platform/**', '**/main/**'], 'renderer/ imports only src/protocol')] },
      ],
    },
  },
  {
    files: ['tests/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
