import { defineConfig } from 'vitest/config';

// Three projects: unit (pure, fast), integration (real ffmpeg, SQLite, HTTP on 127.0.0.1),
// e2e (real server + booth + Debian Chromium via playwright-core; needs `npm run build` first).
// chaos: kill -9, server restarts, network cuts, full disks against the built CLI (needs
// `npm run build`); a bounded count by default, more with DUALREC_CHAOS_SESSIONS.
// Benchmarks live behind `npm run bench:*`, not here.
export default defineConfig({
  test: {
    env: { DUALREC_LOG_LEVEL: process.env.DUALREC_LOG_LEVEL ?? 'silent' },
    projects: [
      { test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], testTimeout: 10_000 } },
      { test: { name: 'integration', include: ['tests/integration/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 60_000, fileParallelism: false } },
      // Heavy projects run one after another (groupOrder): a 2-core machine running e2e browsers or
      // chaos kills beside the timing-sensitive capture tests (A/V offset, lost media) skews them.
      { test: { name: 'e2e', include: ['tests/e2e/**/*.e2e.test.ts'], testTimeout: 180_000, hookTimeout: 60_000, fileParallelism: false, sequence: { groupOrder: 1 } } },
      { test: { name: 'chaos', include: ['tests/chaos/**/*.chaos.test.ts'], testTimeout: 600_000, hookTimeout: 60_000, fileParallelism: false, sequence: { groupOrder: 2 } } },
      // Only with `npm run test:s3` against a real S3-compatible store (see tests/s3/); never in `npm test`.
      ...(process.env.DUALREC_TEST_S3_BUCKET ? [{ test: { name: 's3', include: ['tests/s3/**/*.s3.test.ts'], testTimeout: 60_000 } }] : []),
    ],
  },
});
