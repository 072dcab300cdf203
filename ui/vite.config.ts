/// <reference types="vitest/config" />
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The dashboard build. `npm run ui:build` writes ui/dist, which the API serves at /.
 * `npm run ui:dev` proxies /api and /config.json to UI_API_TARGET (default http://127.0.0.1:3000, a running `npm start`).
 */
export default defineConfig(() => {
  const target = process.env.UI_API_TARGET ?? 'http://127.0.0.1:3000';
  return {
    root,
    base: '/',
    plugins: [vue()],
    build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
    server: {
      host: '127.0.0.1',
      proxy: {
        '/api': { target, changeOrigin: true },
        '/config.json': { target, changeOrigin: true },
      },
    },
    test: {
      root,
      environment: 'happy-dom',
      include: ['src/**/*.test.ts'],
      restoreMocks: true,
    },
  };
});
