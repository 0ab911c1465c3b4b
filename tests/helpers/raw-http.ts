// HTTP requests sent byte for byte (node:http does not normalise `..` or percent-escapes in the
// path the way URL-based clients do), answered as status + parsed JSON error body.
import { request } from 'node:http';

export interface RawResponse {
  status: number;
  body: { error?: { code: string; message: string } } & Record<string, unknown>;
}

export function rawHttp(base: URL, method: string, path: string, opts: { body?: string | Buffer; headers?: Record<string, string> } = {}): Promise<RawResponse> {
  const headers: Record<string, string | number> = { ...opts.headers };
  if (opts.body !== undefined) headers['content-length'] = Buffer.byteLength(opts.body);
  return new Promise((resolve, reject) => {
    const req = request({ host: base.hostname, port: base.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as RawResponse['body']) : {} });
      });
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}
