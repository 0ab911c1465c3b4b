/** Pure parser of `ffmpeg -list_devices true -f dshow -i dummy` (stderr). */

export interface DshowDevice {
  kind: 'video' | 'audio';
  name: string;
  /** `@device_pnp_...`: unique even when two devices share a friendly name. */
  alternativeName: string | null;
}

/**
 * Handles both layouts: FFmpeg < 4.4 prints section headers (`DirectShow video devices`, then
 * `"name"` lines), later versions a type after each name (`"name" (video)`, `(audio)`,
 * `(audio, video)` or `(none)`); the log prefix may be `[dshow @ ...]` or `[in#0 @ ...]`.
 */
export function parseDshowDevices(stderr: string): DshowDevice[] {
  const out: DshowDevice[] = [];
  let section: 'video' | 'audio' | null = null;
  let last: DshowDevice[] = [];
  for (const raw of stderr.split(/\r?\n/)) {
    const line = raw.replace(/^\[[^\]]*@ [0-9a-fA-Fx]+\]\s?/, '');
    if (/DirectShow video devices/.test(line)) section = 'video';
    else if (/DirectShow audio devices/.test(line)) section = 'audio';
    const alt = /^\s*Alternative name "(.*)"\s*$/.exec(line);
    if (alt) {
      for (const d of last) d.alternativeName = alt[1]!;
      continue;
    }
    const dev = /^\s*"(.*)"(?:\s+\(([a-z, ]+)\))?\s*$/.exec(line);
    if (!dev) continue;
    const kinds = dev[2] ? dev[2].split(',').map((k) => k.trim()) : section ? [section] : [];
    last = kinds.filter((k): k is 'video' | 'audio' => k === 'video' || k === 'audio').map((kind) => ({ kind, name: dev[1]!, alternativeName: null }));
    out.push(...last);
  }
  return out;
}
