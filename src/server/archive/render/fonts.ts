import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { basename } from 'node:path';
import { promisify } from 'node:util';
import { DependencyError } from '../../../core/errors.js';

const execFileAsync = promisify(execFile);

/** The font of the burned-in timestamp and watermark. */
export interface FontChoice {
  file: string;
  /** Face inside a collection (.ttc); drawtext's `fontfile` can only open face 0. */
  index: number;
  family: string;
  /** The font has Chinese glyphs; without, "机密" is left out of the label. */
  cjk: boolean;
  source: 'configured' | 'fontconfig' | 'fixed-list';
}

/** CJK families from Debian packages, best first: fonts-noto-cjk, fonts-wqy-zenhei, fonts-wqy-microhei. */
const CJK_FAMILIES = ['Noto Sans CJK SC', 'WenQuanYi Zen Hei', 'WenQuanYi Micro Hei'];
const LATIN_FAMILIES = ['DejaVu Sans'];

/** Where Debian puts those fonts, for machines without fontconfig. Face 0 of Noto's collection is its Japanese face. */
const FIXED_LIST: Array<{ file: string; family: string; cjk: boolean }> = [
  { file: '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', family: 'Noto Sans CJK JP', cjk: true },
  { file: '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc', family: 'WenQuanYi Zen Hei', cjk: true },
  { file: '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc', family: 'WenQuanYi Micro Hei', cjk: true },
  { file: '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', family: 'DejaVu Sans', cjk: false },
];

async function readable(file: string): Promise<boolean> {
  try {
    await access(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** fc-match's answer for a family, if it really is that family (fc-match always answers something). */
async function fcMatch(family: string): Promise<{ file: string; index: number } | null> {
  try {
    const { stdout } = await execFileAsync('fc-match', ['-f', '%{file}\n%{index}\n%{family}\n', family], { timeout: 10_000 });
    const [file, index, families] = stdout.split('\n');
    if (!file || !families?.split(',').includes(family) || !(await readable(file))) return null;
    return { file, index: Number(index) || 0 };
  } catch {
    return null;
  }
}

/**
 * Finds the font for burned-in text: the configured file (it must cover CJK), else the best CJK
 * family fontconfig knows (Noto Sans CJK SC from fonts-noto-cjk), else a fixed list of Debian
 * paths, else DejaVu Sans (Latin only) from fonts-dejavu-core. Throws DependencyError naming the
 * packages to install when there is none.
 */
export async function resolveFont(configured: string | null): Promise<FontChoice> {
  if (configured) {
    if (!(await readable(configured))) throw new DependencyError('finalize.no_font', `finalize.fontFile ${configured} does not exist or is not readable`);
    return { file: configured, index: 0, family: basename(configured), cjk: true, source: 'configured' };
  }
  for (const [family, cjk] of [...CJK_FAMILIES.map((f) => [f, true] as const), ...LATIN_FAMILIES.map((f) => [f, false] as const)]) {
    const m = await fcMatch(family);
    if (m) return { ...m, family, cjk, source: 'fontconfig' };
  }
  for (const f of FIXED_LIST) {
    if (await readable(f.file)) return { file: f.file, index: 0, family: f.family, cjk: f.cjk, source: 'fixed-list' };
  }
  throw new DependencyError(
    'finalize.no_font',
    'no font for the burned-in timestamp and watermark: install fonts-noto-cjk (Debian: apt-get install fonts-noto-cjk; fonts-dejavu-core is the Latin-only fallback) or set finalize.fontFile',
  );
}
