import { access, constants } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { DependencyError, NotFoundError } from '../../core/errors.js';
import type { CustomerSummary, ProductOffer } from '../../protocol/kiosk-flow.js';
import type { FfmpegInfo } from '../../platform/ffmpeg.js';
import { probeMedia } from '../../platform/probe.js';
import { makeDemoDisclosure } from './demo-disclosure.js';
import type { ProductConfig } from './kiosk-config.js';
import type { ProductSource } from './seams.js';

interface Prepared {
  file: string;
  durationSec: number;
  mime: ProductOffer['disclosure']['mime'];
}

/**
 * Products listed in the booth config (`kiosk.products`), offered to every customer: the product
 * source until the catalogue serves versioned products. Disclosure videos are booth files (their
 * duration measured with ffprobe) or generated demo videos kept in `contentDir`. Each product's
 * video is prepared once; `prepare()` starts that for all of them in the background.
 */
export class ConfigProductSource implements ProductSource {
  private readonly prepared = new Map<string, Promise<Prepared>>();

  constructor(
    private readonly products: readonly ProductConfig[],
    private readonly contentDir: string,
    private readonly ff: FfmpegInfo,
  ) {}

  /** Starts preparing every disclosure video; failures surface when that product is used. */
  prepare(): void {
    for (const p of this.products) this.video(p).catch(() => undefined);
  }

  async offers(_customer: CustomerSummary): Promise<ProductOffer[]> {
    return Promise.all(this.products.map((p) => this.toOffer(p)));
  }

  async offer(productId: string): Promise<ProductOffer | null> {
    const p = this.products.find((x) => x.productId === productId);
    return p === undefined ? null : this.toOffer(p);
  }

  async disclosureFile(productId: string): Promise<string> {
    const p = this.products.find((x) => x.productId === productId);
    if (p === undefined) throw new NotFoundError('product.unknown', `no product ${productId} on this booth`);
    return (await this.video(p)).file;
  }

  private async toOffer(p: ProductConfig): Promise<ProductOffer> {
    const v = await this.video(p);
    return { productId: p.productId, version: null, name: p.name, riskLevel: p.riskLevel, disclosure: { durationSec: v.durationSec, mime: v.mime }, phrases: p.phrases };
  }

  private video(p: ProductConfig): Promise<Prepared> {
    let pending = this.prepared.get(p.productId);
    if (pending === undefined) {
      pending = this.load(p);
      this.prepared.set(p.productId, pending);
      // A failure is not remembered: the next use tries again (a file may appear, a disk recover).
      pending.catch(() => this.prepared.delete(p.productId));
    }
    return pending;
  }

  private async load(p: ProductConfig): Promise<Prepared> {
    const d = p.disclosure;
    let file: string;
    if ('file' in d) {
      file = resolve(d.file);
      try {
        await access(file, constants.R_OK);
      } catch {
        throw new DependencyError('content.missing', `the disclosure video of ${p.productId} is not readable at ${file}`);
      }
    } else {
      file = join(this.contentDir, `${p.productId}-demo-${d.generate.seconds}s.webm`);
      const exists = await access(file, constants.R_OK).then(() => true, () => false);
      if (!exists) await makeDemoDisclosure(this.ff, file, d.generate.seconds);
    }
    const probe = await probeMedia(this.ff, file);
    const durationSec = probe.format.duration ?? Math.max(0, ...probe.streams.map((s) => s.duration ?? 0));
    if (!(durationSec > 0)) throw new DependencyError('content.no_duration', `the disclosure video of ${p.productId} (${file}) has no measurable duration`);
    return { file, durationSec: Math.round(durationSec * 1000) / 1000, mime: extname(file).toLowerCase() === '.mp4' ? 'video/mp4' : 'video/webm' };
  }
}
