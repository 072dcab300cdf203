import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Koa from 'koa';
import { serveDashboard } from './dashboard';

describe('serveDashboard', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    const root = mkdtempSync(join(tmpdir(), 'dashboard-'));
    writeFileSync(join(root, 'index.html'), '<html>dashboard</html>');
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'assets', 'app.js'), 'console.log(1)');
    const app = new Koa();
    app.use(serveDashboard(root));
    app.use((ctx) => {
      ctx.status = 404;
      ctx.body = { error: { code: 'NOT_FOUND', message: `no route ${ctx.path}` } };
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((ready) => server.once('listening', ready));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((done) => server.close(done)));

  it('answers the index at / and at any extension-less path the dashboard router owns', async () => {
    for (const path of ['/', '/orders/01ABC', '/operations']) {
      const answer = await fetch(`${base}${path}`);
      expect([path, answer.status, await answer.text()]).toEqual([path, 200, '<html>dashboard</html>']);
    }
  });

  it('answers the index for the dashboard page /webhooks, reloaded or deep-linked, though partner ingestion lives under /webhooks/ingest', async () => {
    for (const path of ['/webhooks', '/webhooks/', '/Webhooks']) {
      // act
      const answer = await fetch(`${base}${path}`);
      // assess
      expect([path, answer.status, await answer.text()]).toEqual([path, 200, '<html>dashboard</html>']);
    }
  });

  it('leaves every path under /webhooks/ingest to the API', async () => {
    for (const path of ['/webhooks/ingest', '/webhooks/ingest/', '/webhooks/ingest/acme', '/WEBHOOKS/INGEST/acme']) {
      // act
      const answer = await fetch(`${base}${path}`);
      // assess
      expect([path, answer.status, await answer.text()]).toEqual([path, 404, expect.stringContaining('NOT_FOUND')]);
    }
  });

  it('serves built assets with a long cache lifetime', async () => {
    const answer = await fetch(`${base}/assets/app.js`);

    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toContain('immutable');
  });

  it('leaves API paths and missing files to the next middleware', async () => {
    for (const path of [
      '/api/orders',
      '/health',
      '/ready',
      '/openapi.json',
      '/webhooks/ingest/acme',
      '/assets/missing.js',
    ]) {
      const answer = await fetch(`${base}${path}`);
      expect([path, answer.status]).toEqual([path, 404]);
    }
  });

  it('refuses a path that escapes the dashboard directory', async () => {
    const answer = await fetch(`${base}/..%2f..%2fetc%2fpasswd.txt`);

    expect(answer.status).toBe(403);
    expect(await answer.text()).not.toContain('root:');
  });
});
