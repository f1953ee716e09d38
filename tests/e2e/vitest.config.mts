import { defineConfig } from 'vitest/config';

// Browser end-to-end tests: each spec file boots the built server (apps/server/dist) as a child
// process and drives Debian's Chromium through playwright-core. Run `npm run build` first.
export default defineConfig({
  test: {
    name: 'e2e',
    environment: 'node',
    globals: true,
    include: ['**/*.e2e.spec.ts'],
    exclude: ['**/node_modules/**'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // One server + one browser at a time: files never run side by side.
    fileParallelism: false,
    maxWorkers: 1,
    // A failed e2e test is reported, not retried: flakiness must show.
    retry: 0,
  },
});
