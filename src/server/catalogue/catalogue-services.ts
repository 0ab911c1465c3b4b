import { join } from 'node:path';
import type { FfmpegInfo } from '../../platform/ffmpeg.js';
import type { Logger } from '../../platform/log.js';
import type { ArchiveStore } from '../archive-store.js';
import type { AuditLog } from '../audit/audit-log.js';
import { CatalogueService } from './catalogue-service.js';
import { ContentService } from './content-service.js';
import { CustomerIdKey } from './customer-id-key.js';
import { CustomerService } from './customer-service.js';

/** The catalogue parts of a server (and of the `dualrec catalogue` commands). */
export interface CatalogueServices {
  catalogue: CatalogueService;
  content: ContentService;
  customers: CustomerService;
}

/**
 * Builds them on the data folder: uploads are received in `work/uploads`, the customer id key is
 * `keys/customer-id-hmac.key` (created on first start when `create`).
 */
export async function createCatalogueServices(archive: ArchiveStore, ff: FfmpegInfo, audit: AuditLog, log: Logger, opts: { create: boolean } = { create: true }): Promise<CatalogueServices> {
  const workDir = join(archive.dataDir, 'work', 'uploads');
  const content = new ContentService(archive.db, archive.store, ff, workDir, audit, log.child({ part: 'content' }));
  const catalogue = new CatalogueService(archive.db, content, audit, log.child({ part: 'catalogue' }));
  const key = CustomerIdKey.open(archive.dataDir, opts);
  const customers = await CustomerService.open({ db: archive.db, store: archive.store, key, ff, workDir, audit, log: log.child({ part: 'customers' }) });
  return { catalogue, content, customers };
}
