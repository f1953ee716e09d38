import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import tailwindcss from '@tailwindcss/vite';

/** The Axial server; in development Vite forwards API, health, realtime and DICOMweb traffic to it. */
const serverTarget = process.env.AXIAL_SERVER_URL ?? 'http://localhost:5000';

export default defineConfig({
  base: '/',
  plugins: [react(), tailwindcss()],
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 900,
  },
  // Cornerstone3D (added later) ships web workers as ES modules and WASM codecs.
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
