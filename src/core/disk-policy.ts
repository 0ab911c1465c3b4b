/**
 * Disk policy of the booth vault, as pure rules. The headroom is the smaller of the free space on
 * the data volume and what is left of the vault quota; each floor is compared with it.
 */
export interface DiskFloors {
  /** Below this headroom: warn staff and the centre (`disk.nearly_full`). */
  warnBytes: number;
  /** Below this: refuse to start new sessions. */
  refuseBytes: number;
  /** Below this: stop the current session (its sealed part is kept) and report `disk.full`. */
  stopBytes: number;
}

export type DiskLevel = 'ok' | 'warn' | 'refuse' | 'stop';

export interface DiskReading {
  /** Bytes available to this process on the data volume. */
  freeBytes: number;
  /** Bytes the vault holds (sealed files not yet purged, plus spool). */
  usedBytes: number;
  /** Vault quota, or null for none. */
  quotaBytes: number | null;
}

export function headroom(r: DiskReading): number {
  const quotaLeft = r.quotaBytes === null ? Number.POSITIVE_INFINITY : r.quotaBytes - r.usedBytes;
  return Math.max(0, Math.min(r.freeBytes, quotaLeft));
}

export function diskLevel(r: DiskReading, floors: DiskFloors): DiskLevel {
  const h = headroom(r);
  if (h < floors.stopBytes) return 'stop';
  if (h < floors.refuseBytes) return 'refuse';
  if (h < floors.warnBytes) return 'warn';
  return 'ok';
}

/** Human-readable byte count for staff messages (binary units). */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}
