import { join } from 'node:path';
import { z } from 'zod';
import { ConfigApplyState, FleetSettings } from '../../protocol/fleet.js';
import { IsoTime } from '../../protocol/ids.js';
import { readJsonFile, writeFileDurable } from '../../platform/fs.js';
import type { Logger } from '../../platform/log.js';

/** What the booth keeps about remote config across restarts: the applied settings and the last rejection. */
export const FleetStateFile = z.strictObject({
  v: z.literal(1),
  applied: z.strictObject({ version: z.number().int().min(0), settings: FleetSettings, appliedAt: IsoTime }).nullable(),
  rejected: ConfigApplyState.shape.rejected,
});
export type FleetStateFile = z.infer<typeof FleetStateFile>;

const EMPTY: FleetStateFile = { v: 1, applied: null, rejected: null };

/** `<dataDir>/fleet/state.json`, written durably (a crash leaves the old or the new file, never half of one). */
export class FleetStateStore {
  readonly path: string;

  constructor(dataDir: string) {
    this.path = join(dataDir, 'fleet', 'state.json');
  }

  /** The stored state; a missing file is the empty state, an unreadable one is logged and treated as empty. */
  async read(log: Logger): Promise<FleetStateFile> {
    const r = await readJsonFile(this.path, FleetStateFile);
    if (r.kind === 'ok') return r.value;
    if (r.kind === 'invalid') log.error({ path: this.path, reason: r.reason }, 'fleet state file is corrupt; running on the local config and fetching the remote config again');
    return EMPTY;
  }

  async write(state: FleetStateFile): Promise<void> {
    await writeFileDurable(this.path, Buffer.from(JSON.stringify(FleetStateFile.parse(state))), { mode: 0o600 });
  }
}
