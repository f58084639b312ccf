import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'certs/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-control-regex': 'off',
    },
  },
  {
    // The web page's script runs in the browser as it is shipped (src/http/page, no build step).
    files: ['src/http/page/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: Object.fromEntries(
        [
          'document',
          'window',
          'location',
          'history',
          'sessionStorage',
          'fetch',
          'EventSource',
          'URLSearchParams',
        ]
          .concat(['requestAnimationFrame', 'setTimeout', 'clearTimeout', 'console'])
          .map((name) => [name, 'readonly']),
      ),
    },
  },
);
