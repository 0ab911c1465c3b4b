import { resolve } from 'node:path';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'electron-vite';

/**
 * Builds the Electron shell into out/:
 * - out/main/index.js        main process (ESM; package.json "main" points here)
 * - out/preload/preload.cjs  sandboxed preload: CommonJS, fully bundled (a sandboxed preload can
 *                            require only `electron` and a few Node built-ins)
 * - out/renderer/<page>/index.html  kiosk pages, relative asset URLs (base './') so they load from
 *                            file:// in Electron and from `/` of the booth's browser-mode bridge
 * The build must work offline: nothing here downloads.
 */
const root = import.meta.dirname;

export default defineConfig({
  main: {
    build: {
      outDir: resolve(root, 'out/main'),
      // Runtime dependencies (package.json "dependencies") stay external and are loaded from
      // node_modules; native ones (better-sqlite3) must never be bundled.
      externalizeDeps: true,
      rolldownOptions: {
        input: { index: resolve(root, 'main/index.ts') },
        output: { format: 'es', entryFileNames: '[name].js' },
      },
    },
  },
  preload: {
    build: {
      outDir: resolve(root, 'out/preload'),
      externalizeDeps: false,
      rolldownOptions: {
        input: { preload: resolve(root, 'main/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs', codeSplitting: false },
      },
    },
  },
  renderer: {
    root: resolve(root, 'renderer'),
    base: './',
    plugins: [vue()],
    // vue-i18n feature flags: Composition API only, no devtools hooks in the kiosk.
    define: { __VUE_I18N_FULL_INSTALL__: 'true', __VUE_I18N_LEGACY_API__: 'false', __INTLIFY_PROD_DEVTOOLS__: 'false' },
    build: {
      outDir: resolve(root, 'out/renderer'),
      emptyOutDir: true,
      rolldownOptions: {
        input: {
          kiosk: resolve(root, 'renderer/kiosk/index.html'),
          'console-remote': resolve(root, 'renderer/console/remote/index.html'),
          'kiosk-remote': resolve(root, 'renderer/kiosk/remote.html'),
          // The fleet console page, served by the central server at /ui/console/fleet/.
          fleet: resolve(root, 'renderer/console/fleet/index.html'),
          // The review console (reviewers and supervisors), served at /ui/console/review/.
          review: resolve(root, 'renderer/console/review/index.html'),
        },
      },
    },
  },
});
