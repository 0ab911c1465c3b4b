// npm run models:fetch [-- --dir ./models] [--only kws|asr] [--accept-unpinned]
//
// Downloads the recommended speech models for the booth's checks (issue 7) from their pinned
// release URLs, unpacks them in a temporary folder, checks every file that is kept against its
// pinned SHA-256, and only then moves the verified files into <dir>/<model>/ (with a SHA256SUMS).
// Nothing unverified is installed: a file whose checksum is not pinned yet is refused unless
// --accept-unpinned is given, and then its checksum is printed so it can be pinned here.
// Point the booth at the folders with checks.speech.kwsModelDir / checks.speech.asrModelDir.
// Needs internet access (github.com) and `tar` with bzip2; never run by the tests or CI.
// Plain Node (type stripping), no dependencies.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';

interface ModelSpec {
  /** Folder name under --dir (what the booth config points at). */
  name: string;
  what: string;
  url: string;
  /** Folder inside the archive. */
  root: string;
  /** Files kept, with their SHA-256 (null: not pinned yet). */
  files: Record<string, string | null>;
}

const RELEASES = 'https://github.com/k2-fsa/sherpa-onnx/releases/download';

/**
 * KWS checksums: the files of the model the tests use (../shared/models/.../SHA256SUMS, byte-identical
 * to the upstream int8 release files as recorded in its PROVENANCE.md). ASR checksums could not be
 * taken on the build machines (no internet): pin them with --accept-unpinned on a machine that has it.
 */
const MODELS: Record<'kws' | 'asr', ModelSpec> = {
  kws: {
    name: 'sherpa-onnx-kws-zipformer-wenetspeech-3.3M-2024-01-01-int8',
    what: 'Mandarin keyword spotting (streaming zipformer, WenetSpeech, 3.3M, Apache-2.0)',
    url: `${RELEASES}/kws-models/sherpa-onnx-kws-zipformer-wenetspeech-3.3M-2024-01-01.tar.bz2`,
    root: 'sherpa-onnx-kws-zipformer-wenetspeech-3.3M-2024-01-01',
    files: {
      'encoder-epoch-99-avg-1-chunk-16-left-64.int8.onnx': 'dd784973fc9d2fabb3b800d6dcd20fc3b0ca84f8e2415afe54b032878e447f4d',
      'decoder-epoch-99-avg-1-chunk-16-left-64.int8.onnx': 'ed83454004d5bd16d831eaf00adcd181ed7734886aab6ef440f3ffa5aa3cfe3b',
      'joiner-epoch-99-avg-1-chunk-16-left-64.int8.onnx': 'f79760052b87239e325f0567c752ad3130b30d92effb847d4307743c20c59a24',
      'tokens.txt': '72316508d9119696145abc6f1f8cdc46287535c34e5ce7e595f845cb1499cf2e',
    },
  },
  asr: {
    name: 'sherpa-onnx-streaming-zipformer-bilingual-zh-en-2023-02-20',
    what: 'streaming bilingual Mandarin/English speech recognition (zipformer transducer, Apache-2.0)',
    url: `${RELEASES}/asr-models/sherpa-onnx-streaming-zipformer-bilingual-zh-en-2023-02-20.tar.bz2`,
    root: 'sherpa-onnx-streaming-zipformer-bilingual-zh-en-2023-02-20',
    files: {
      'encoder-epoch-99-avg-1.int8.onnx': null,
      'decoder-epoch-99-avg-1.onnx': null,
      'joiner-epoch-99-avg-1.int8.onnx': null,
      'tokens.txt': null,
    },
  },
};

const { values } = parseArgs({
  options: { dir: { type: 'string', default: process.env.DUALREC_MODELS_DIR ?? './models' }, only: { type: 'string' }, 'accept-unpinned': { type: 'boolean', default: false } },
});

function fail(message: string): never {
  console.error(`models:fetch: ${message}`);
  process.exit(1);
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

async function download(url: string, to: string): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(30 * 60_000) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    fail(`cannot download ${url}: ${cause?.code ?? cause?.message ?? (err as Error).message}. This machine cannot reach the model host; run models:fetch where there is internet access and copy the model folders over.`);
  }
  if (!res.ok || !res.body) fail(`cannot download ${url}: HTTP ${res.status}`);
  await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), createWriteStream(to));
}

async function fetchModel(spec: ModelSpec, dir: string): Promise<void> {
  const dest = join(dir, spec.name);
  if (existsSync(join(dest, 'SHA256SUMS'))) {
    console.log(`${spec.name}: already installed in ${dest}`);
    return;
  }
  const unpinned = Object.entries(spec.files).filter(([, h]) => h === null).map(([f]) => f);
  if (unpinned.length > 0 && !values['accept-unpinned']) {
    fail(`${spec.name}: no SHA-256 is pinned for ${unpinned.join(', ')}; run with --accept-unpinned on a trusted network to install it and print the checksums to pin in scripts/fetch-models.ts`);
  }
  const tmp = mkdtempSync(join(tmpdir(), 'dualrec-models-'));
  try {
    console.log(`${spec.name}: downloading ${spec.what}\n  ${spec.url}`);
    const archive = join(tmp, 'model.tar.bz2');
    await download(spec.url, archive);
    execFileSync('tar', ['-xjf', archive, '-C', tmp], { stdio: 'inherit' });
    const lines: string[] = [];
    for (const [file, pinned] of Object.entries(spec.files)) {
      const path = join(tmp, spec.root, file);
      if (!existsSync(path)) fail(`${spec.name}: the archive has no ${spec.root}/${file}`);
      const got = sha256(path);
      if (pinned && got !== pinned) fail(`${spec.name}: ${file} has SHA-256 ${got}, expected ${pinned}; nothing was installed`);
      if (!pinned) console.log(`  UNPINNED ${file}: sha256 ${got} (pin it in scripts/fetch-models.ts)`);
      lines.push(`${got}  ${file}`);
    }
    mkdirSync(dest, { recursive: true });
    for (const file of Object.keys(spec.files)) renameSync(join(tmp, spec.root, file), join(dest, file));
    writeFileSync(join(dest, 'SHA256SUMS'), lines.join('\n') + '\n');
    console.log(`${spec.name}: installed in ${dest}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const dir = resolve(values.dir);
const chosen = values.only ? [values.only] : ['kws', 'asr'];
for (const key of chosen) {
  if (key !== 'kws' && key !== 'asr') fail(`--only must be kws or asr, not ${key}`);
  await fetchModel(MODELS[key], dir);
}
console.log(`done. Booth config: "checks": { "speech": { "kwsModelDir": "${join(dir, MODELS.kws.name)}", "asrModelDir": "${join(dir, MODELS.asr.name)}" } }`);
