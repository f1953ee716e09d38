import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import tailwindcss from '@tailwindcss/vite';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyPatches, IMAGE_LOADER_PATCHES } from './build/imageLoaderPatches';

/**
 * Cornerstone's decode worker module, which Axial's decode worker (src/viewer/decode/decodeWorker.ts) wraps; the package's
 * exports map does not list it, so it is found beside the package's entry.
 */
const cornerstoneDecodeWorker = join(dirname(fileURLToPath(import.meta.resolve('@cornerstonejs/dicom-image-loader'))), 'decodeImageFrameWorker.js');

/** The Axial server; in development Vite forwards API, health, realtime and DICOMweb traffic to it. */
const serverTarget = process.env.AXIAL_SERVER_URL ?? 'http://localhost:5000';

/**
 * `<link rel="prefetch">` for the viewer chunk and the chunks it imports: the browser downloads them into its cache
 * when the network is idle, on whatever page the app starts on (the sign-in page included), so the first opening of
 * the viewer compiles and runs its code without waiting for ≈3 MB to arrive. Nothing is executed before the viewer
 * is opened (or preloaded by a page that opens it, viewer/preloadViewer.ts).
 */
function prefetchViewerChunks(): Plugin {
  return {
    name: 'axial-prefetch-viewer',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(_html, ctx) {
        const chunks = Object.values(ctx.bundle ?? {}).flatMap((c) => (c.type === 'chunk' ? [c] : []));
        const viewer = chunks.find((c) => c.facadeModuleId?.replace(/\\/g, '/').endsWith('/src/features/viewer/ViewerPage.tsx'));
        if (!viewer) throw new Error('axial-prefetch-viewer: the viewer chunk was not found in the bundle');
        const entry = chunks.find((c) => c.isEntry);
        const already = new Set([entry?.fileName, ...(entry?.imports ?? [])]);
        // The decode and series-frames workers start with the viewer (codecs' WASM files load only when a frame needs them).
        const worker = Object.keys(ctx.bundle ?? {}).filter((f) => /(^|\/)(decodeWorker|seriesFramesWorker)-[^/]+\.js$/.test(f));
        if (worker.length !== 2) throw new Error('axial-prefetch-viewer: the decode and series-frames workers were not found in the bundle');
        const files = [viewer.fileName, ...viewer.imports, ...worker].filter((f) => !already.has(f));
        return files.map((f) => ({ tag: 'link', attrs: { rel: 'prefetch', href: `/${f}`, as: 'script', crossorigin: '' }, injectTo: 'head' as const }));
      },
    },
  };
}

/** Cornerstone's image loader with Axial's patches (build/imageLoaderPatches.ts). */
function patchImageLoader(): Plugin {
  const loaderDir = dirname(fileURLToPath(import.meta.resolve('@cornerstonejs/dicom-image-loader'))).replace(/\\/g, '/');
  const files = new Set(IMAGE_LOADER_PATCHES.map((p) => `${loaderDir}/${p.file}`));
  return {
    name: 'axial-patch-image-loader',
    enforce: 'pre',
    transform(code, id) {
      const file = id.split('?')[0].replace(/\\/g, '/');
      return files.has(file) ? { code: applyPatches(file, code), map: null } : null;
    },
  };
}

export default defineConfig({
  base: '/',
  plugins: [react(), tailwindcss(), prefetchViewerChunks(), patchImageLoader()],
  resolve: { alias: { '@axial/cornerstone-decode-worker': cornerstoneDecodeWorker } },
  // Cornerstone3D 4.22 (viewer route only, lazy-loaded): keep the DICOM image loader out of dependency
  // pre-bundling so its `new URL(..., import.meta.url)` worker/WASM references stay intact, and pre-bundle
  // the CommonJS emscripten codec wrappers so they get a default export in development.
  optimizeDeps: {
    exclude: ['@cornerstonejs/dicom-image-loader'],
    include: [
      'dicom-parser',
      '@cornerstonejs/core',
      '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs',
      '@cornerstonejs/codec-charls/decodewasmjs',
      '@cornerstonejs/codec-openjpeg/decodewasmjs',
      '@cornerstonejs/codec-openjph/wasmjs',
    ],
  },
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 900,
  },
  // Cornerstone3D ships its decode web worker as an ES module (and WASM codecs).
  worker: { format: 'es', plugins: () => [patchImageLoader()] },
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: true,
    proxy: {
      '/api': { target: serverTarget, changeOrigin: false },
      '/health': { target: serverTarget },
      '/dicom-web': { target: serverTarget },
      '/socket.io': { target: serverTarget, ws: true },
    },
  },
  preview: { host: '127.0.0.1', port: 4173 },
});
