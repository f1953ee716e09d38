import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import tailwindcss from '@tailwindcss/vite';

/** The Axial server; in development Vite forwards API, health, realtime and DICOMweb traffic to it. */
const serverTarget = process.env.AXIAL_SERVER_URL ?? 'http://localhost:5000';

export default defineConfig({
  base: '/',
  plugins: [react(), tailwindcss()],
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
  worker: { format: 'es' },
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
