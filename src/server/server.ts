import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { resolveFfmpeg, type FfmpegInfo } from '../platform/ffmpeg.js';
import { createLogger, type Logger } from '../platform/log.js';
import { ArchiveWorker } from './archive/archive-worker.js';
import type { AuditLog } from './audit/audit-log.js';
import { DbAuditLog } from './audit/db-audit-log.js';
import { createAuthServices, type AuthServices } from './auth/auth-services.js';
import { createCatalogueServices, type CatalogueServices } from './catalogue/catalogue-services.js';
import { Archiver } from './archive/archiver.js';
import { JobQueue } from './archive/job-queue.js';
import { boothBranchWatermark, type WatermarkResolver } from './archive/watermark.js';
import { openArchiveStore, type ArchiveStore } from './archive-store.js';
import type { ServerConfig } from './config.js';
import { buildApp } from './http/app.js';
import { createFleetServices, type FleetServices } from './fleet/fleet-services.js';
import { IngestService } from './ingest/ingest-service.js';
import { openEvidence, type EvidenceServices } from './evidence/evidence-services.js';
import type { PeriodicTask } from '../platform/periodic.js';

/** How often archived sessions are checked for missing retention records, protection and hold flags. */
const RETENTION_SWEEP_MS = 60_000;
/** How often the audit log's head is signed with the archive key (a no-op when nothing was appended). */
const AUDIT_CHECKPOINT_MS = 3_600_000;
import { SfuService } from './sfu/sfu-service.js';
import { ReviewWorkflow } from './review/workflow/review-workflow.js';
import type { ReviewPorts } from './review/workflow/review-reader.js';
import { MachineReviewer } from './review/machine/machine-reviewer.js';
import { DbMachineReports } from './review/machine/report-store.js';
import { ServerEngines } from './review/machine/review-engines.js';
import type { MachineReports, Screenshots } from './review/ports.js';
import { DbScreenshots } from './review/screenshots/screenshot-store.js';
import { ScreenshotSampler } from './review/screenshots/sampler.js';
import { REVIEW_WORK_FOLDERS, removeStaleWorkFolders } from './review/work-folders.js';

/**
 * The audit log of a data folder: the one place the server and the `dualrec` admin commands get it.
 * Database-backed and hash-chained, so entries from every instance and CLI land in one chain.
 */
export function openAuditLog(archive: ArchiveStore): DbAuditLog {
  return new DbAuditLog(archive.db);
}

/** The central server composition root: archive store, ingest, archive worker, HTTP. */
export class Server {
  private listening: string | null = null;
  private closed = false;

  private constructor(
    readonly config: ServerConfig,
    readonly archive: ArchiveStore,
    readonly ffmpeg: FfmpegInfo,
    readonly ingest: IngestService,
    readonly auth: AuthServices,
    readonly audit: AuditLog,
    readonly catalogue: CatalogueServices,
    readonly evidence: EvidenceServices,
    readonly fleet: FleetServices,
    readonly review: ReviewWorkflow,
    private readonly background: ReadonlyArray<PeriodicTask<unknown>>,
    readonly sfu: SfuService,
    private readonly worker: ArchiveWorker,
    /** Machine review and screenshots (issue 8): the engines, the sampler and the ports the review workflow reads. */
    readonly machine: { engines: ServerEngines; sampler: ScreenshotSampler; reports: MachineReports; screenshots: Screenshots },
    private readonly app: FastifyInstance,
    private readonly log: Logger,
  ) {}

  /**
   * `watermark` names branch and booth on derived videos (default: boothBranchWatermark).
   * `review` replaces the machine review's reports and screenshots the review workflow reads
   * (default: the machine review's own, src/server/review/machine/ and screenshots/).
   */
  static async create(config: ServerConfig, opts: { log?: Logger; watermark?: WatermarkResolver; review?: Partial<ReviewPorts> } = {}): Promise<Server> {
    const log = opts.log ?? createLogger('server');
    const ffmpeg = await resolveFfmpeg(config.ffmpegPath);
    const archive = await openArchiveStore(config.dataDir, { create: true, database: config.database, log: log.child({ part: 'db' }) });
    const closeOnError: Array<() => Promise<void>> = [];
    try {
      const ingest = new IngestService(archive.db, archive.store, archive.keys, log.child({ part: 'ingest' }));
      const archiver = new Archiver(
        { ...archive, ff: ffmpeg, workDir: join(config.dataDir, 'work'), finalize: config.finalize, watermark: opts.watermark ?? boothBranchWatermark(archive.db) },
        log.child({ part: 'archive' }),
      );
      const audit = openAuditLog(archive);
      const auth = await createAuthServices(archive.db, audit, config, log.child({ part: 'auth' }));
      const catalogue = await createCatalogueServices(archive, ffmpeg, audit, log);
      const evidence = openEvidence(archive, ffmpeg, log, audit);
      const sfu = await SfuService.create(archive.db, audit, config.sfu, log.child({ part: 'sfu' }), { dataDir: config.dataDir, ffmpeg: ffmpeg.ffmpeg });
      const fleet = createFleetServices(archive, audit, config, log);
      // Machine review and screenshots (issue 8): what the review workflow reads, and tells it when a report is done.
      const engines = new ServerEngines(config.machineReview.kwsModelDir, log.child({ part: 'review-engines' }));
      closeOnError.push(() => engines.close());
      const reports = new DbMachineReports(archive.db);
      const screenshots = new DbScreenshots(archive.db, archive.store);
      const review = await ReviewWorkflow.create({ db: archive.db, store: archive.store, keys: archive.keys, audit, config: config.review, ports: { reports: opts.review?.reports ?? reports, screenshots: opts.review?.screenshots ?? screenshots }, log: log.child({ part: 'review' }) });
      const reviewer = new MachineReviewer({ db: archive.db, store: archive.store, ff: ffmpeg, workDir: join(config.dataDir, 'work'), config: config.machineReview, engines, reports, listener: review.listener }, log.child({ part: 'machine-review' }));
      const worker = new ArchiveWorker(archive.db, new JobQueue(archive.db, config.jobMaxAttempts, { leaseMs: config.jobLeaseMs, log: log.child({ part: 'jobs' }) }), archiver, config.jobPollMs, log.child({ part: 'worker' }), {
        machine_review: reviewer.handler(),
      });
      const sampler = new ScreenshotSampler({ db: archive.db, store: archive.store, keys: archive.keys, ff: ffmpeg, engines, config: config.machineReview, workDir: join(config.dataDir, 'work') }, log.child({ part: 'screenshots' }));
      const app = await buildApp({
        sfu,
        db: archive.db,
        ingest,
        keys: archive.keys,
        auth,
        catalogue,
        evidence,
        fleet,
        review,
        uiDir: config.uiDir,
        maxSegmentBytes: config.maxSegmentBytes,
        loginMaxPerIpPerMinute: config.loginMaxPerIpPerMinute,
        onFinished: () => worker.kick(),
        onSegmentStored: config.machineReview.screenshots.enabled ? () => sampler.kick() : undefined,
        log,
      });
      // Folders (with decrypted plaintext) a crashed review run left behind.
      await removeStaleWorkFolders(join(config.dataDir, 'work'), REVIEW_WORK_FOLDERS, log);
      await worker.start();
      review.start();
      if (config.machineReview.screenshots.enabled) sampler.start();
      const background = [evidence.startSweep(RETENTION_SWEEP_MS), evidence.startCheckpoints(AUDIT_CHECKPOINT_MS)];
      log.info({ dataDir: config.dataDir, database: config.database.kind, archiveKeyId: archive.keys.keyId, archiveSigningKeyId: archive.keys.signingKeyId, ffmpeg: ffmpeg.ffmpeg }, 'server ready');
      return new Server(config, archive, ffmpeg, ingest, auth, audit, catalogue, evidence, fleet, review, background, sfu, worker, { engines, sampler, reports, screenshots }, app, log);
    } catch (err) {
      for (const close of closeOnError) await close();
      await archive.close();
      throw err;
    }
  }

  /** Starts listening; returns the base URL. */
  async listen(): Promise<string> {
    await this.app.listen({ host: this.config.host, port: this.config.port });
    const { port } = this.app.server.address() as AddressInfo;
    const host = this.config.host.includes(':') ? `[${this.config.host}]` : this.config.host;
    this.listening = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
    this.log.info({ url: this.listening }, 'server listening');
    return this.listening;
  }

  get url(): string {
    if (!this.listening) throw new Error('server is not listening');
    return this.listening;
  }

  /** For tests: inject a request without the network. */
  get http(): FastifyInstance {
    return this.app;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.app.close();
    for (const task of this.background) await task.close();
    // The worker and the sampler first: a machine review finishing meanwhile still reaches an open review workflow.
    await this.machine.sampler.close();
    await this.worker.close();
    await this.review.close();
    await this.sfu.close();
    await this.machine.engines.close();
    await this.archive.close();
  }
}
