/**
 * Splits FFmpeg's `mpjpeg` output (multipart: `--ffmpeg`, headers with Content-Length, a blank
 * line, the JPEG, CRLF) into single JPEG images. Feed it chunks as they arrive.
 */
export class MjpegSplitter {
  private buf: Buffer = Buffer.alloc(0);
  private static readonly MAX_BUFFER = 8 * 1024 * 1024;

  push(chunk: Buffer): Buffer[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: Buffer[] = [];
    for (;;) {
      const headerEnd = this.buf.indexOf('\r\n\r\n');
      if (headerEnd < 0) break;
      const headers = this.buf.subarray(0, headerEnd).toString('latin1');
      const m = /content-length:\s*(\d+)/i.exec(headers);
      if (!m) {
        // Not a part header (or garbage): drop up to the next boundary.
        const next = this.buf.indexOf('--', headerEnd + 4);
        this.buf = next >= 0 ? this.buf.subarray(next) : Buffer.alloc(0);
        continue;
      }
      const len = Number(m[1]);
      const start = headerEnd + 4;
      if (this.buf.length < start + len) break;
      out.push(Buffer.from(this.buf.subarray(start, start + len)));
      this.buf = this.buf.subarray(start + len);
    }
    if (this.buf.length > MjpegSplitter.MAX_BUFFER) this.buf = Buffer.alloc(0);
    return out;
  }
}

/** Cuts a byte stream into fixed-size records (raw video frames). */
export class FixedChunker {
  private parts: Buffer[] = [];
  private have = 0;

  constructor(readonly size: number) {}

  push(chunk: Buffer): Buffer[] {
    this.parts.push(chunk);
    this.have += chunk.length;
    const out: Buffer[] = [];
    if (this.have < this.size) return out;
    let all = Buffer.concat(this.parts);
    while (all.length >= this.size) {
      out.push(all.subarray(0, this.size));
      all = all.subarray(this.size);
    }
    this.parts = all.length > 0 ? [all] : [];
    this.have = all.length;
    return out;
  }
}
