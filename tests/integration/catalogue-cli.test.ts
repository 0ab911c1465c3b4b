// `dualrec catalogue demo|import|list` in process against a real data folder (SQLite, store,
// FFmpeg): the demo seed, an idempotent re-import, and import files that are refused by name.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { DEMO_PRODUCT_ID } from '../../src/server/catalogue/demo-content.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dualrec-catalogue-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the CLI, returning its exit code and what it printed. */
async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  try {
    return { code: await main(args), out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

describe('dualrec catalogue', () => {
  it('seeds the demo product, re-imports it without change, and lists it', async () => {
    const data = join(dir, 'server');
    const seeded = await cli(['catalogue', 'demo', '--data', data, '--seconds', '2']);
    expect(seeded).toMatchObject({ code: 0, out: `${DEMO_PRODUCT_ID}@1: published` });
    const again = await cli(['catalogue', 'import', join(data, 'catalogue-demo'), '--data', data]);
    expect(again).toMatchObject({ code: 0, out: `${DEMO_PRODUCT_ID}@1: published (unchanged)` });
    const list = await cli(['catalogue', 'list', '--data', data]);
    expect(list.out).toContain(`${DEMO_PRODUCT_ID}  稳健增利一号理财产品（演示）`);
    expect(list.out).toContain('[banking-wm, active]  1:published');
  });

  it('refuses import files naming files outside the folder, missing files, mislabelled media or unspellable phrases', async () => {
    const data = join(dir, 'server');
    const demo = JSON.parse(await readFile(join(data, 'catalogue-demo', 'catalogue.json'), 'utf8')) as { products: Array<{ definition: { steps: Array<Record<string, unknown>>; phrases: Array<Record<string, unknown>> } }> };
    const cases: Array<[string, (d: typeof demo) => void, RegExp]> = [
      ['escape', (d) => (d.products[0]!.definition.steps[0]!.file = '../x.mp4'), /content file is a path inside the import folder/],
      ['missing', (d) => (d.products[0]!.definition.steps[0]!.file = 'nope.mp4'), /nope\.mp4 does not exist/],
      ['restated', (d) => (d.products[0]!.definition.steps[0]!.mime = 'video/webm'), /is already stored as video\/mp4, not video\/webm/],
      ['not-video', (d) => (d.products[0]!.definition.steps[0]!.file = 'notes.mp4'), /declared video\/mp4 but its first bytes are not any supported video, audio or image format/],
      ['latin', (d) => (d.products[0]!.definition.phrases[0]!.text = '我同意 OK'), /a confirmation phrase is 2-100 Chinese characters/],
    ];
    for (const [name, change, message] of cases) {
      const d = structuredClone(demo);
      change(d);
      const src = join(dir, name);
      await rm(src, { recursive: true, force: true });
      await cp(join(data, 'catalogue-demo'), src, { recursive: true });
      await writeFile(join(src, 'catalogue.json'), JSON.stringify(d));
      await writeFile(join(src, 'notes.mp4'), 'plain text, not a video; plain text, not a video');
      const r = await cli(['catalogue', 'import', src, '--data', data]);
      expect(r.code, name).toBe(1);
      expect(r.err, name).toMatch(message);
    }
    await writeFile(join(dir, 'latin', 'catalogue.json'), '{ not json');
    expect((await cli(['catalogue', 'import', join(dir, 'latin'), '--data', data])).err).toMatch(/is not valid JSON/);
    expect((await cli(['catalogue', 'list', '--data', data])).out).toContain('1:published');
  });
});
