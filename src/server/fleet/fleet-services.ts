import { join } from 'node:path';
import type { Logger } from '../../platform/log.js';
import type { ArchiveStore } from '../archive-store.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { ServerConfig } from '../config.js';
import { FleetConfigService } from './fleet-config.js';
import { FleetView } from './fleet-view.js';
import { ReleaseService } from './releases.js';
import { UpdateFeed } from './update-feed.js';

/** The server's fleet parts (issue 10), built once per instance on the shared database and store. */
export interface FleetServices {
  config: FleetConfigService;
  view: FleetView;
  releases: ReleaseService;
  feed: UpdateFeed;
}

export function createFleetServices(archive: Pick<ArchiveStore, 'db' | 'store' | 'dataDir'>, audit: AuditLog, config: Pick<ServerConfig, 'fleet'>, log: Logger): FleetServices {
  const fleetLog = log.child({ part: 'fleet' });
  const cfg = new FleetConfigService(archive.db, audit);
  return {
    config: cfg,
    view: new FleetView(archive.db, cfg, { silentAfterSec: config.fleet.silentAfterSec, syncStuckAfterSec: config.fleet.syncStuckAfterSec }, fleetLog),
    releases: new ReleaseService(archive.db, archive.store, audit, { uploadDir: join(archive.dataDir, 'work', 'uploads'), maxArtifactBytes: config.fleet.maxArtifactBytes }, fleetLog),
    feed: new UpdateFeed(archive.db, archive.store, cfg, fleetLog),
  };
}
