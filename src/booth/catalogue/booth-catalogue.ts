import { stat } from 'node:fs/promises';
import { catalogueEtag, contentRefs } from '../../core/catalogue.js';
import { DualrecError, ForbiddenError, IntegrityError, NotFoundError, ValidationError } from '../../core/errors.js';
import type { BoothCatalogueStatus, BoothCatalogueView, CatalogueEntry, CatalogueSnapshot, ContentRef } from '../../protocol/catalogue.js';
import type { BoothCustomer, BoothCustomerLookupRequest } from '../../protocol/customers.js';
import type { FaultKind, FaultSeverity } from '../../protocol/faults.js';
import type { Logger } from '../../platform/log.js';
import { PeriodicTask } from '../../platform/periodic.js';
import type { CatalogueClient } from '../sync/catalogue-client.js';
import { ServerRejectedError } from '../sync/server-client.js';
import { CatalogueCacheStore } from './cache-store.js';

/** A published version with the verified local file of each content blob it names. */
export interface LocalProductVersion {
  entry: CatalogueEntry;
  /** Local path of each content blob by SHA-256, checked just now. */
  files: ReadonlyMap<string, string>;
}

/** Where the catalogue reports a cached file it could not repair (the booth's FaultReporter). */
export interface CatalogueFaultSink {
  raise(f: { kind: FaultKind; severity: FaultSeverity; message: string }): unknown;
  clear(kind: FaultKind): unknown;
}

export interface BoothCatalogueOptions {
  /** `<dataDir>/catalogue`. */
  dir: string;
  client: CatalogueClient;
  refreshEveryMs: number;
  log: Logger;
  faults?: CatalogueFaultSink;
}

export type RefreshResult = 'updated' | 'unchanged';

/**
 * The booth's offline copy of the published catalogue. `refresh()` asks the server with the
 * cached ETag (a 304 costs nothing), downloads the blobs a new snapshot names, and switches to it
 * only when every blob is on disk and verified; until then, and whenever the server is
 * unreachable, the booth keeps playing the snapshot it has. Every blob handed out is hashed again
 * first: a corrupted file is removed and fetched again, or reported (fault `catalogue.corrupted`).
 */
export class BoothCatalogue {
  private current: CatalogueSnapshot | null = null;
  private updatedAt: string | null = null;
  private checkedAt: string | null = null;
  private online = false;
  private lastError: string | null = null;
  private readonly task: PeriodicTask<RefreshResult>;

  private constructor(
    private readonly o: BoothCatalogueOptions,
    private readonly store: CatalogueCacheStore,
  ) {
    this.task = new PeriodicTask(() => this.refreshOnce(), o.refreshEveryMs, (err: unknown) => o.log.warn({ err: (err as Error).message }, 'catalogue refresh failed; playing from the cache'));
  }

  /** Opens the cache; a snapshot that fails its check is dropped (the next refresh fetches it). */
  static async open(o: BoothCatalogueOptions): Promise<BoothCatalogue> {
    const store = new CatalogueCacheStore(o.dir);
    await store.init();
    const c = new BoothCatalogue(o, store);
    const snap = await store.readSnapshot();
    if (snap === 'corrupt') {
      o.log.error({ path: store.snapshotPath }, 'cached catalogue snapshot does not match its ETag; fetching it again');
    } else if (snap) {
      c.current = snap;
      c.updatedAt = (await stat(store.snapshotPath)).mtime.toISOString();
    }
    return c;
  }

  /** Refreshes now and then every `refreshEveryMs`. */
  start(): void {
    this.task.start();
  }

  /** One refresh (shared with one under way). Throws when the server cannot be reached or a blob cannot be fetched. */
  refresh(): Promise<RefreshResult> {
    return this.task.run();
  }

  get status(): BoothCatalogueStatus {
    return { etag: this.current?.etag ?? null, products: this.current?.entries.length ?? 0, updatedAt: this.updatedAt, checkedAt: this.checkedAt, online: this.online, lastError: this.lastError };
  }

  entries(): CatalogueEntry[] {
    return this.current?.entries ?? [];
  }

  view(): BoothCatalogueView {
    return { status: this.status, entries: this.entries() };
  }

  /**
   * A product's published version with its content files, each hashed now. A corrupt or missing
   * file is fetched again when the server answers; otherwise IntegrityError (422).
   */
  async product(productId: string): Promise<LocalProductVersion> {
    const entry = this.entries().find((e) => e.product.id === productId);
    if (!entry) throw new NotFoundError('catalogue.unknown_product', this.current ? `product ${productId} is not in the booth's catalogue` : `the booth has no catalogue yet (${this.lastError ?? 'not fetched'})`);
    const files = new Map<string, string>();
    for (const ref of contentRefs(entry.definition)) files.set(ref.sha256, await this.verified(ref));
    return { entry, files };
  }

  /** The verified local file of one blob of the current snapshot (for the kiosk bridge). */
  async content(sha256: string): Promise<{ path: string; ref: ContentRef }> {
    const ref = this.entries()
      .flatMap((e) => contentRefs(e.definition))
      .find((r) => r.sha256 === sha256);
    if (!ref) throw new NotFoundError('catalogue.unknown_content', `content ${sha256} is not in the booth's catalogue`);
    return { path: await this.verified(ref), ref };
  }

  /**
   * Looks a customer up on the server (never stored on the booth: faces are biometric data). The
   * server's answer keeps its meaning for the kiosk: unknown customer 404, booth without a branch
   * 403, bad number 400, server unreachable 503.
   */
  async lookupCustomer(req: BoothCustomerLookupRequest): Promise<BoothCustomer> {
    try {
      return await this.o.client.lookupCustomer(req);
    } catch (err) {
      if (!(err instanceof ServerRejectedError)) throw err;
      const As = { 400: ValidationError, 403: ForbiddenError, 404: NotFoundError }[err.httpStatus];
      throw As ? new As(err.code, err.message) : err;
    }
  }

  async close(): Promise<void> {
    await this.task.close();
  }

  private async verified(ref: ContentRef): Promise<string> {
    const found = await this.store.check(ref);
    if (found === 'ok') return this.store.blobPath(ref.sha256);
    this.o.log.error({ sha256: ref.sha256, found }, 'cached catalogue content is missing or corrupt; fetching it again');
    try {
      await this.store.fetch(ref, (r, dest) => this.o.client.download(r.sha256, r.bytes, dest));
    } catch (err) {
      const message = `risk-disclosure content ${ref.sha256.slice(0, 12)}… on this booth is ${found} and could not be fetched again: ${(err as Error).message}`;
      this.o.faults?.raise({ kind: 'catalogue.corrupted', severity: 'error', message });
      throw new IntegrityError('catalogue.content_corrupt', message, undefined, { cause: err });
    }
    this.o.faults?.clear('catalogue.corrupted');
    return this.store.blobPath(ref.sha256);
  }

  private async refreshOnce(): Promise<RefreshResult> {
    this.checkedAt = new Date().toISOString();
    try {
      const fresh = await this.o.client.snapshot(this.current?.etag ?? null);
      this.online = true;
      const target = fresh ?? this.current;
      if (fresh && catalogueEtag(fresh.entries) !== fresh.etag) throw new IntegrityError('catalogue.bad_etag', 'the server sent a catalogue whose ETag does not match its entries');
      if (target) await this.download(target);
      // Every blob the booth plays from is on disk again.
      this.o.faults?.clear('catalogue.corrupted');
      this.lastError = null;
      if (!fresh) return 'unchanged';
      await this.store.writeSnapshot(fresh);
      const before = this.current;
      this.current = fresh;
      this.updatedAt = new Date().toISOString();
      // Keep the blobs of the snapshot before too: a session that started on it may still play them.
      const keep = new Set([...refsOf(fresh), ...(before ? refsOf(before) : [])]);
      const pruned = await this.store.prune(keep);
      this.o.log.info({ etag: fresh.etag, products: fresh.entries.length, pruned }, 'catalogue updated');
      return 'updated';
    } catch (err) {
      if (err instanceof DualrecError && err.code === 'server.unreachable') this.online = false;
      this.lastError = (err as Error).message;
      throw err;
    }
  }

  /** Fetches every blob of `s` that is not on disk with its size; throws after trying them all if any failed. */
  private async download(s: CatalogueSnapshot): Promise<void> {
    const failures: string[] = [];
    let first: unknown = null;
    for (const ref of new Map(s.entries.flatMap((e) => contentRefs(e.definition)).map((r) => [r.sha256, r])).values()) {
      if (await this.store.present(ref)) continue;
      try {
        await this.store.fetch(ref, (r, dest) => this.o.client.download(r.sha256, r.bytes, dest));
      } catch (err) {
        first ??= err;
        failures.push(`${ref.sha256.slice(0, 12)}…: ${(err as Error).message}`);
      }
    }
    if (failures.length === 1 && first instanceof DualrecError) throw first;
    if (failures.length > 0) throw new DualrecError('catalogue.download_failed', `${failures.length} content blobs could not be fetched: ${failures.join('; ')}`);
  }
}

function refsOf(s: CatalogueSnapshot): Set<string> {
  return new Set(s.entries.flatMap((e) => contentRefs(e.definition).map((r) => r.sha256)));
}
