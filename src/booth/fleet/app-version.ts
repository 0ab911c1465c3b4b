import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Semver } from '../../protocol/fleet.js';

/**
 * The booth software's version: package.json's `version`, which is also what Electron reports as
 * `app.getVersion()` and what electron-builder stamps on the artifacts. package.json sits three
 * folders up from this file in src/ and in dist/ (and inside app.asar when packaged).
 */
export function readAppVersion(packageJson = resolve(import.meta.dirname, '../../../package.json')): string {
  const pkg = JSON.parse(readFileSync(packageJson, 'utf8')) as { version?: unknown };
  return Semver.parse(pkg.version);
}
