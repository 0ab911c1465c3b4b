import type { KioskStatus } from './stores/session.js';

/** A bilingual label: Chinese first, English underneath. */
export interface Label {
  zh: string;
  en: string;
}

export const STATUS_LABELS: Record<KioskStatus, Label> = {
  connecting: { zh: '正在连接', en: 'Connecting' },
  idle: { zh: '待机', en: 'Ready' },
  starting: { zh: '正在启动', en: 'Starting' },
  recording: { zh: '录制中', en: 'Recording' },
  stopping: { zh: '正在停止', en: 'Stopping' },
  syncing: { zh: '正在同步', en: 'Syncing' },
  archived: { zh: '已归档', en: 'Archived' },
  failed: { zh: '失败', en: 'Failed' },
};

/** `h:mm:ss` or `mm:ss` for a non-negative number of seconds. */
export function formatClock(totalSec: number): string {
  const s = Math.max(0, Math.floor(totalSec));
  const hh = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return hh > 0 ? `${hh}:${mm}:${ss}` : `${mm}:${ss}`;
}
