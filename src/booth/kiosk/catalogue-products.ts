import { NotFoundError } from '../../core/errors.js';
import type { CatalogueEntry, ContentRef, MediaStep } from '../../protocol/catalogue.js';
import type { CustomerSummary, ProductOffer } from '../../protocol/kiosk-flow.js';
import type { FfmpegInfo } from '../../platform/ffmpeg.js';
import { probeMedia } from '../../platform/probe.js';
import type { ProductSource } from './seams.js';

/** What the product source needs of the booth catalogue (issue 5's `BoothCatalogue`). */
export interface ProductCatalogue {
  entries(): CatalogueEntry[];
  /** The verified local file of one content blob (fetched again when corrupt). */
  content(sha256: string): Promise<{ path: string; ref: ContentRef }>;
}

const PLAYABLE = new Set<string>(['video/webm', 'video/mp4']);

/** The version's first video step the kiosk can play, or null. */
function videoStep(e: CatalogueEntry): MediaStep | null {
  for (const s of e.definition.steps) if (s.kind === 'video' && PLAYABLE.has(s.content.mime)) return s;
  return null;
}

/**
 * Products of the booth's cached catalogue (published versions) when the booth is enrolled and the
 * catalogue has a product with a playable video step; otherwise the booth config's products
 * (`fallback`). The flow plays one video per product, so a version is offered with its first video
 * step (its other steps, e.g. text, are not shown yet) and its final phrases (`finalPhraseIds`).
 * Durations are measured with ffprobe on the verified local file.
 */
export class CatalogueProductSource implements ProductSource {
  private readonly durations = new Map<string, Promise<number>>();

  constructor(
    private readonly catalogue: ProductCatalogue,
    private readonly enrolled: () => boolean,
    private readonly fallback: ProductSource,
    private readonly ff: FfmpegInfo,
  ) {}

  private playable(): CatalogueEntry[] {
    return this.enrolled() ? this.catalogue.entries().filter((e) => videoStep(e) !== null) : [];
  }

  private entry(productId: string): CatalogueEntry | null {
    return this.playable().find((e) => e.product.id === productId) ?? null;
  }

  prepare(): void {
    if (this.playable().length === 0) this.fallback.prepare?.();
    for (const e of this.playable()) this.offerOf(e).catch(() => undefined);
  }

  async offers(customer: CustomerSummary): Promise<ProductOffer[]> {
    const entries = this.playable();
    if (entries.length === 0) return this.fallback.offers(customer);
    return Promise.all(entries.map((e) => this.offerOf(e)));
  }

  async offer(productId: string): Promise<ProductOffer | null> {
    const e = this.entry(productId);
    return e ? this.offerOf(e) : this.fallback.offer(productId);
  }

  async disclosureFile(productId: string): Promise<string> {
    const e = this.entry(productId);
    if (!e) return this.fallback.disclosureFile(productId);
    return (await this.catalogue.content(videoStep(e)!.content.sha256)).path;
  }

  private async offerOf(e: CatalogueEntry): Promise<ProductOffer> {
    const step = videoStep(e);
    if (!step) throw new NotFoundError('product.no_video', `product ${e.product.id} version ${e.version} has no playable video step`);
    const durationSec = await this.duration(step.content.sha256);
    const phrases = e.definition.finalPhraseIds.map((id) => {
      const p = e.definition.phrases.find((x) => x.id === id)!;
      return { id: p.id, text: p.text, en: p.translation?.en ?? null };
    });
    return {
      productId: e.product.id,
      version: e.version,
      name: { zh: e.product.name.zh, en: e.product.name.en },
      riskLevel: null,
      disclosure: { durationSec, mime: step.content.mime as ProductOffer['disclosure']['mime'] },
      phrases,
    };
  }

  private duration(sha256: string): Promise<number> {
    let d = this.durations.get(sha256);
    if (!d) {
      d = this.measure(sha256);
      this.durations.set(sha256, d);
      d.catch(() => this.durations.delete(sha256));
    }
    return d;
  }

  private async measure(sha256: string): Promise<number> {
    const { path } = await this.catalogue.content(sha256);
    const probe = await probeMedia(this.ff, path);
    const sec = probe.format.duration ?? Math.max(0, ...probe.streams.map((s) => s.duration ?? 0));
    if (!(sec > 0)) throw new NotFoundError('content.no_duration', `disclosure video ${sha256.slice(0, 12)}… has no measurable duration`);
    return Math.round(sec * 1000) / 1000;
  }
}
