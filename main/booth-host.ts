import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BoothEvent, BoothRequest } from '../src/protocol/booth-api.js';
import type { BoothHost } from './booth-host-types.js';

export type { BoothHost } from './booth-host-types.js';

type BoothModule = typeof import('../src/booth/booth.js');
type ConfigModule = typeof import('../src/booth/config.js');
type BoothConfigInput = import('../src/booth/config.js').BoothConfigInput;

export interface BoothHostOptions {
  /** The app root holding package.json and dist/ (Electron: `app.getAppPath()`). */
  appRoot: string;
  /** Booth config file passed to `loadBoothConfig`; undefined: defaults only. */
  configPath?: string;
  /** Settings that win over the config file. */
  overrides?: BoothConfigInput;
}

/**
 * Starts the booth composition root inside the main process. This is the only file of main/ that
 * touches src/booth; the rest of main/ depends on the `BoothHost` interface and is tested without
 * a booth.
 *
 * The booth is loaded at run time from dist/ (compiled by `tsc -p tsconfig.build.json`, the same
 * files the `dualrec` CLI runs), not bundled into out/main: one compiled copy, paths relative to
 * `import.meta.url` inside src/booth stay valid, and the Electron build does not depend on src/booth.
 */
export async function createBoothHost(options: BoothHostOptions): Promise<BoothHost> {
  const distModule = (rel: string): string => pathToFileURL(join(options.appRoot, 'dist', rel)).href;
  const [{ Booth }, { loadBoothConfig }] = await Promise.all([
    import(/* @vite-ignore */ distModule('booth/booth.js')) as Promise<BoothModule>,
    import(/* @vite-ignore */ distModule('booth/config.js')) as Promise<ConfigModule>,
  ]);
  const booth = await Booth.create(loadBoothConfig(options.configPath, options.overrides));
  const listeners = new Set<(e: BoothEvent) => void>();
  booth.on('event', (e: BoothEvent) => {
    for (const cb of listeners) cb(e);
  });
  let closing: Promise<void> | null = null;
  return {
    call: (req: BoothRequest) => booth.handle(req),
    updates: booth.fleet.updates,
    onEvent(cb) {
      listeners.add(cb);
      return () => {
        listeners.delete(cb);
      };
    },
    onPreview(cb) {
      booth.on('preview', cb);
      return () => {
        booth.off('preview', cb);
      };
    },
    disclosureFile: (productId: string) => booth.disclosureFile(productId),
    catalogueFile: async (sha256: string) => (await booth.catalogueContent(sha256)).path,
    close() {
      closing ??= (async () => {
        listeners.clear();
        await booth.close();
      })();
      return closing;
    },
  };
}
