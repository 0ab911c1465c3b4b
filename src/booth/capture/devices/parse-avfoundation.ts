/** Pure parser of `ffmpeg -f avfoundation -list_devices true -i ""` (stderr). */

export interface AvfDevice {
  kind: 'video' | 'audio';
  index: number;
  name: string;
  /** `Capture screen N` entries are screens, the other video devices cameras. */
  screen: boolean;
}

export function parseAvfoundationDevices(stderr: string): AvfDevice[] {
  const out: AvfDevice[] = [];
  let section: 'video' | 'audio' | null = null;
  for (const raw of stderr.split(/\r?\n/)) {
    const line = raw.replace(/^\[[^\]]*@ [0-9a-fA-Fx]+\]\s?/, '');
    if (/AVFoundation video devices:/.test(line)) section = 'video';
    else if (/AVFoundation audio devices:/.test(line)) section = 'audio';
    const m = /^\[(\d+)\] (.+?)\s*$/.exec(line);
    if (m && section) out.push({ kind: section, index: Number(m[1]), name: m[2]!, screen: section === 'video' && /^Capture screen \d+$/.test(m[2]!) });
  }
  return out;
}
