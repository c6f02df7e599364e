import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dataset } from '@geofed/shared/data/dataset';
import type { DemoData } from '@geofed/shared/data/demoData';
import { hashString, Rng } from '@geofed/shared/math/rng';
import type { Authenticator } from './auth.ts';
import { sendJson, type Route } from './http.ts';

/**
 * The browser client's demo page at /client/: the page and its bundle (built by `npm run build` into
 * coordinator/dist/browser/), and /client/data, a seeded slice of the training split for one authenticated client,
 * so that a browser can train without files of its own.
 */

/**
 * The folder `scripts/build-browser.mjs` writes: the coordinator serves the bundle, so it ships in this package
 * (built from the client's sources at build time; the coordinator does not depend on the client package).
 */
export function browserBundleDir(): string {
  return fileURLToPath(new URL('../../dist/browser/', import.meta.url));
}

const FILES: Readonly<Record<string, { file: string; type: string }>> = {
  '/client/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/client/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/client/geofed-client.js': { file: 'geofed-client.js', type: 'text/javascript; charset=utf-8' },
};

function sliceFor(dataset: Dataset, clientId: string, samples: number): DemoData {
  const { train, featureSize } = dataset;
  const n = Math.min(samples, train.n);
  const rows = new Rng(hashString(`browser-demo:${clientId}`)).sample(train.n, n);
  const x = new Float32Array(n * featureSize);
  rows.forEach((r, i) => x.set(train.x.subarray(r * featureSize, (r + 1) * featureSize), i * featureSize));
  return {
    inputShape: [...dataset.inputShape],
    numClasses: dataset.numClasses,
    n,
    x: Buffer.from(x.buffer).toString('base64'),
    y: rows.map((r) => train.y[r]!),
  };
}

export function browserDemoRoutes(dataset: Dataset, samples: number, auth: Authenticator, dir = browserBundleDir()): Route {
  return (req, res, url) => {
    if (url.pathname === '/client') {
      res.writeHead(308, { location: `/client/${url.search}` });
      res.end();
      return true;
    }
    const asset = FILES[url.pathname];
    if (asset !== undefined) {
      let body: Buffer;
      try {
        body = readFileSync(join(dir, asset.file));
      } catch {
        sendJson(res, 503, { error: `the browser client is not built (${join(dir, asset.file)} is missing): run npm run build` });
        return true;
      }
      res.writeHead(200, { 'content-type': asset.type, 'cache-control': 'no-cache' });
      res.end(body);
      return true;
    }
    if (url.pathname !== '/client/data') return false;
    const clientId = url.searchParams.get('clientId') ?? '';
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const verdict = auth.check(clientId, token);
    if (!verdict.ok) {
      sendJson(res, 401, { error: verdict.reason });
      return true;
    }
    sendJson(res, 200, sliceFor(dataset, clientId, samples));
    return true;
  };
}
