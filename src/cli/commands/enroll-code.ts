import { Command } from 'commander';
import { resolve } from 'node:path';
import { openArchiveStore } from '../../server/archive-store.js';
import { IngestService } from '../../server/ingest/ingest-service.js';
import { createLogger } from '../../platform/log.js';

export function enrollCodeCommand(): Command {
  return new Command('enroll-code')
    .description('create a one-time booth enrollment code in the server database')
    .option('--data <dir>', 'server data folder', './data')
    .option('--ttl-hours <hours>', 'hours until the code expires', (v) => Number(v), 24)
    .action(async (o: { data: string; ttlHours: number }) => {
      const archive = await openArchiveStore(resolve(o.data), { create: true });
      try {
        const ingest = new IngestService(archive.db, archive.store, archive.keys, createLogger('enroll-code', 'warn'));
        const { code, expiresAt } = await ingest.createEnrollmentCode(o.ttlHours);
        console.log(code);
        console.error(`one-time code; expires ${expiresAt}`);
      } finally {
        await archive.close();
      }
    });
}
