import { Command } from 'commander';
import { join, resolve } from 'node:path';
import { resolveFfmpeg, type FfmpegInfo } from '../../platform/ffmpeg.js';
import { createLogger } from '../../platform/log.js';
import type { ArchiveStore } from '../../server/archive-store.js';
import { withArchive } from './util.js';
import type { AuditLog } from '../../server/audit/audit-log.js';
import { CLI_ACTOR } from '../../server/auth/admin-actor.js';
import { createCatalogueServices, type CatalogueServices } from '../../server/catalogue/catalogue-services.js';
import { DEMO_PRODUCT_ID, writeDemoCatalogue } from '../../server/catalogue/demo-content.js';
import { importCatalogue, type ImportResult } from '../../server/catalogue/import.js';
import { openAuditLog } from '../../server/server.js';

/**
 * Seeds the demo product (a generated risk video, a text step, the confirmation phrase) when the
 * catalogue has no products yet; returns what was imported, or null when there was something.
 */
export async function seedDemoCatalogue(svc: CatalogueServices, ff: FfmpegInfo, dataDir: string, opts: { force?: boolean; videoSeconds?: number } = {}): Promise<ImportResult[] | null> {
  if (!opts.force && (await svc.catalogue.listProducts()).length > 0) return null;
  const dir = await writeDemoCatalogue(ff, join(dataDir, 'catalogue-demo'), { videoSeconds: opts.videoSeconds });
  return importCatalogue(dir, svc, CLI_ACTOR.audit);
}

function printResults(results: readonly ImportResult[]): void {
  for (const r of results) console.log(`${r.productId}@${r.version}: ${r.status}${r.created ? '' : ' (unchanged)'}`);
}

/** Opens the data folder's catalogue services for one command. */
async function withCatalogue<T>(data: string, run: (svc: CatalogueServices, ff: FfmpegInfo, archive: ArchiveStore, audit: AuditLog) => Promise<T>): Promise<T> {
  return withArchive(data, { create: true }, async (archive) => {
    const ff = await resolveFfmpeg(null);
    const audit = openAuditLog(archive);
    return await run(await createCatalogueServices(archive, ff, audit, createLogger('catalogue', process.env.DUALREC_LOG_LEVEL ?? 'warn')), ff, archive, audit);
  });
}

/** `dualrec catalogue …`: import and seed risk-disclosure content into the server's data folder. */
export function catalogueCommand(): Command {
  const cmd = new Command('catalogue').description('products and their risk-disclosure content in the server data folder');

  cmd
    .command('import <dir>')
    .description('import <dir>/catalogue.json and the content files it names (checked like uploads); publishes unless a product says publish: false')
    .option('--data <dir>', 'server data folder', './data')
    .action(async (dir: string, o: { data: string }) => {
      await withCatalogue(o.data, async (svc) => printResults(await importCatalogue(resolve(dir), svc, CLI_ACTOR.audit)));
    });

  cmd
    .command('demo')
    .description(`generate a short risk video with FFmpeg and import the demo product ${DEMO_PRODUCT_ID} (video, text, confirmation phrase)`)
    .option('--data <dir>', 'server data folder', './data')
    .option('--seconds <n>', 'length of the generated video', (v) => Number(v), 8)
    .action(async (o: { data: string; seconds: number }) => {
      await withCatalogue(o.data, async (svc, ff, archive) => printResults((await seedDemoCatalogue(svc, ff, archive.dataDir, { force: true, videoSeconds: o.seconds })) ?? []));
    });

  cmd
    .command('list')
    .description('products and their versions')
    .option('--data <dir>', 'server data folder', './data')
    .option('--json', 'print JSON')
    .action(async (o: { data: string; json?: boolean }) => {
      await withCatalogue(o.data, async (svc) => {
        const all = await svc.catalogue.listProducts();
        if (o.json) {
          console.log(JSON.stringify(all, null, 2));
          return;
        }
        for (const { product, versions } of all) {
          const vs = versions.map((v) => `${v.version}:${v.status}`).join(' ') || 'no versions';
          console.log(`${product.id}  ${product.name.zh} / ${product.name.en}  [${product.retentionClass}, ${product.status}]  ${vs}`);
        }
      });
    });
  return cmd;
}
