import swc from 'unplugin-swc';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests run the workspace package from source, so they never see a stale build.
const alias = { '@axial/dicom': fileURLToPath(new URL('./packages/dicom/src/index.ts', import.meta.url)) };

// Nest needs decorator metadata, which Vite's own transform does not emit: swc does.
const swcPlugin = () =>
  swc.vite({
    module: { type: 'es6' },
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
  });

export default defineConfig({
  test: {
    projects: [
      {
        plugins: [swcPlugin()],
        resolve: { alias },
        test: {
          name: 'unit',
          globals: true,
          include: ['packages/*/src/**/*.spec.ts', 'apps/server/src/**/*.spec.ts', 'apps/web/src/**/*.spec.ts', 'apps/web/build/**/*.spec.ts'],
          environment: 'node',
        },
      },
      {
        plugins: [swcPlugin()],
        resolve: { alias },
        test: {
          name: 'integration',
          globals: true,
          include: ['apps/server/test/**/*.int.spec.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Each file boots its own app and database; two cores: keep it to two workers.
          maxWorkers: 2,
          fileParallelism: true,
        },
      },
    ],
  },
});
