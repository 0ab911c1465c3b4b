// electron-updater without the Electron binary (which cannot run on the build machines). The seam
// is the one electron-builder's own updater tests use: a real updater class (AppImageUpdater) built
// with an AppAdapter for a plain Node process instead of Electron's `app`, and an HttpExecutor over
// node:http instead of Electron's `net`. Everything else is electron-updater's code as the booth
// runs it: GenericProvider reading latest-linux.yml, the version and rollout decision, the download
// through builder-util-runtime's HttpExecutor with its SHA-512 DigestTransform, the update cache.
import { mkdir, writeFile } from 'node:fs/promises';
import { request as httpRequest, type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { configureRequestOptions, configureRequestUrl, HttpExecutor, type DownloadOptions } from 'builder-util-runtime';
import { AppImageUpdater } from 'electron-updater';
import type { AppAdapter } from 'electron-updater/out/AppAdapter.js';

/**
 * builder-util's NodeHttpExecutor (the one electron-builder tests with, minus its proxy agents) plus
 * `download`, written as electron-updater's ElectronHttpExecutor writes it: both hand the transfer to
 * the shared `HttpExecutor.doDownload`, which checks the SHA-512 while the file is written.
 */
export class NodeHttpExecutor extends HttpExecutor<ClientRequest> {
  createRequest(options: RequestOptions, callback: (response: IncomingMessage) => void): ClientRequest {
    return (options.protocol === 'https:' ? httpsRequest : httpRequest)(options, callback);
  }

  download(url: URL, destination: string, options: DownloadOptions): Promise<string> {
    return options.cancellationToken.createPromise<string>((resolve, reject, onCancel) => {
      const requestOptions: RequestOptions = { headers: options.headers ?? undefined };
      configureRequestUrl(url, requestOptions);
      configureRequestOptions(requestOptions);
      this.doDownload(requestOptions, { destination, options, onCancel, callback: (error) => (error == null ? resolve(destination) : reject(error)), responseHandler: null }, 0);
    });
  }
}

/** What a packaged app has on disk: app-update.yml (electron-builder writes it from `publish`) and a user-data folder. */
export async function testAppAdapter(dir: string, version: string): Promise<AppAdapter & { quits: number }> {
  await mkdir(dir, { recursive: true });
  const appUpdateConfigPath = join(dir, 'app-update.yml');
  await writeFile(appUpdateConfigPath, 'provider: generic\nurl: https://placeholder.invalid/api/v1/booth/update-feed\nupdaterCacheDirName: dualrec-updater\n');
  const adapter = {
    version,
    name: 'dualrec',
    isPackaged: true,
    appUpdateConfigPath,
    userDataPath: join(dir, 'user-data'),
    baseCachePath: join(dir, 'cache'),
    quits: 0,
    whenReady: () => Promise.resolve(),
    relaunch: () => undefined,
    quit: () => {
      adapter.quits++;
    },
    onQuit: () => undefined,
  };
  return adapter;
}

/**
 * The Linux updater of a booth running `version`, from an AppImage at `$APPIMAGE` (set by the
 * caller). `installs` records quitAndInstall instead of replacing the test process's files.
 */
export class TestLinuxUpdater extends AppImageUpdater {
  readonly installs: Array<{ silent: boolean; runAfter: boolean; file: string | null }> = [];

  constructor(adapter: AppAdapter) {
    super(null, adapter);
    (this as unknown as { httpExecutor: HttpExecutor<ClientRequest> }).httpExecutor = new NodeHttpExecutor();
    this.logger = null;
  }

  /** The downloaded, verified update file (null: nothing downloaded). */
  get downloadedFile(): string | null {
    return this.installerPath;
  }

  override quitAndInstall(isSilent = false, isForceRunAfter = false): void {
    this.installs.push({ silent: isSilent, runAfter: isForceRunAfter, file: this.installerPath });
  }

  static async create(dir: string, version: string): Promise<TestLinuxUpdater> {
    return new TestLinuxUpdater(await testAppAdapter(dir, version));
  }
}

/**
 * The AppImage a Linux booth runs: electron-updater updates the file `$APPIMAGE` names. Sets it to
 * a file in `dir`; returns a function that puts the variable back.
 */
export async function fakeAppImage(dir: string): Promise<() => void> {
  const saved = process.env.APPIMAGE;
  process.env.APPIMAGE = join(dir, 'dualrec-current.AppImage');
  await writeFile(process.env.APPIMAGE, 'current');
  return () => {
    if (saved === undefined) delete process.env.APPIMAGE;
    else process.env.APPIMAGE = saved;
  };
}
