// Vite multi-page build of Whistle's three web apps.
// Sources live in web/; the build goes to service/web/static/, which the service mounts at
// /app/, /console/, /map/ and the shared /assets/ (hashed file names, cached for a year).
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

const here = import.meta.dirname;

export default defineConfig({
  root: here,
  base: '/',
  publicDir: resolve(here, 'public'),
  build: {
    outDir: resolve(here, '../service/web/static'),
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    sourcemap: false,
    // Every asset is a file of our own origin: no inlined data: URLs that a strict CSP would refuse.
    assetsInlineLimit: 0,
    rollupOptions: {
      input: {
        app: resolve(here, 'app/index.html'),
        console: resolve(here, 'console/index.html'),
        map: resolve(here, 'map/index.html'),
      },
    },
  },
});
