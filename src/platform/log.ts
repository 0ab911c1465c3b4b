import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * The root logger: JSON lines on stderr (stdout stays free for command output).
 * Level from DUALREC_LOG_LEVEL (default `info`; tests set `silent` or `warn`).
 */
export function createLogger(name: string, level = process.env.DUALREC_LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: false }));
}
