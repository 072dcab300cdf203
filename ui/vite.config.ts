/// <reference types="vitest/config" />
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import { devMock } from './dev-mock/plugin.ts';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The dashboard build. `npm run ui:build` writes ui/dist, which the API serves at /.
 * `npm run ui:dev` proxies /api, /config.json and /_local to UI_API_TARGET (default http://127.0.0.1:3000);
 * with UI_MOCK=1 it answers them from dev-mock/ instead (screenshots before the API exists, never for e2e).
 */
export default defineConfig(() => {
  const target = process.env.UI_API_TARGET ?? 'http://127.0.0.1:3000';
  const mock = process.env.UI_MOCK === '1';
  return {
    root,
    base: '/',
    plugins: [vue(), ...(mock ? [devMock()] : [])],
    build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
    server: {
      host: '127.0.0.1',
      proxy: mock ? undefined : {
        '/api': { target, changeOrigin: true },
        '/config.json': { target, changeOrigin: true },
        '/_local': { target, changeOrigin: true },
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
