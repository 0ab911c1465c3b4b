import { Header } from 'tar';
import { PACKAGE_TRAILER_BYTES } from '../../src/protocol/evidence-package.js';

/** Where each member's 512-byte header and its content lie in an evidence package (for byte-flip tests). */
export function packageLayout(buf: Buffer): Array<{ name: string; header: number; start: number; size: number }> {
  const out: Array<{ name: string; header: number; start: number; size: number }> = [];
  let off = 0;
  while (off + 512 <= buf.length - PACKAGE_TRAILER_BYTES) {
    const h = new Header(buf, off);
    if (h.nullBlock || !h.path) break;
    out.push({ name: h.path, header: off, start: off + 512, size: h.size ?? 0 });
    off += 512 + Math.ceil((h.size ?? 0) / 512) * 512;
  }
  return out;
}
