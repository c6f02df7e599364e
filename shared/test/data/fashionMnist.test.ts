import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GeoFedError } from '../../src/errors.ts';
import { classCounts } from '../../src/data/dataset.ts';
import {
  FASHION_MNIST_FILES,
  FASHION_MNIST_SYSTEM_DIR,
  fashionMnistSearchDirs,
  loadFashionMnist,
  loadFashionMnistTrainLabels,
  locateFashionMnist,
  resolveFashionMnistDir,
} from '../../src/data/fashionMnist.ts';

const FILES: string[] = Object.values(FASHION_MNIST_FILES).map((f) => f.file);
const tmp = mkdtempSync(join(tmpdir(), 'geofed-fmnist-'));

test('Fashion-MNIST: the real files load as 60000 + 10000 images in [0, 1] with 10 balanced classes', async () => {
  const data = await loadFashionMnist();
  assert.equal(data.train.n, 60_000);
  assert.equal(data.test.n, 10_000);
  assert.equal(data.train.x.length, 60_000 * 784);
  assert.deepEqual(data.inputShape, [28, 28, 1]);
  assert.equal(data.classNames[9], 'Ankle boot');
  assert.deepEqual(classCounts(data.train.y, 10), new Array(10).fill(6000));
  assert.deepEqual(classCounts(data.test.y, 10), new Array(10).fill(1000));
  let min = Infinity;
  let max = -Infinity;
  for (const v of data.train.x) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  assert.equal(min, 0);
  assert.equal(max, 1);
  assert.ok(data.train.x.buffer instanceof SharedArrayBuffer);
  assert.equal(data.synthetic, false);
});

test('Fashion-MNIST: a second load in the same process returns the cached data set', async () => {
  assert.equal(await loadFashionMnist(), await loadFashionMnist());
});

test('Fashion-MNIST: the labels alone load without the images', async () => {
  const labels = await loadFashionMnistTrainLabels();
  const data = await loadFashionMnist();
  assert.deepEqual(labels, data.train.y);
});

test('Fashion-MNIST: search order is $GEOFED_DATA_DIR, its fashion-mnist folder, the user cache, the system copy', () => {
  // GEOFED_DATA_DIR must exist (a missing one is an error: simulations/test/cli/configErrors.test.ts); the cache need not.
  const dataDir = join(tmp, 'search-order');
  mkdirSync(dataDir, { recursive: true });
  const dirs = fashionMnistSearchDirs({ GEOFED_DATA_DIR: dataDir, XDG_CACHE_HOME: '/xdg' });
  assert.deepEqual(dirs, [dataDir, join(dataDir, 'fashion-mnist'), '/xdg/geofed/fashion-mnist', FASHION_MNIST_SYSTEM_DIR]);
  const noEnv = fashionMnistSearchDirs({ HOME: '/home/someone' });
  assert.equal(noEnv.length, 2);
  assert.match(noEnv[0]!, /\.cache\/geofed\/fashion-mnist$/);
});

test('Fashion-MNIST: a copy under $GEOFED_DATA_DIR/fashion-mnist wins over the system copy', () => {
  const dataDir = join(tmp, 'data');
  mkdirSync(join(dataDir, 'fashion-mnist'), { recursive: true });
  for (const f of FILES) symlinkSync(join(FASHION_MNIST_SYSTEM_DIR, f), join(dataDir, 'fashion-mnist', f));
  const dirs = fashionMnistSearchDirs({ GEOFED_DATA_DIR: dataDir, XDG_CACHE_HOME: join(tmp, 'nocache') });
  assert.equal(locateFashionMnist(dirs), join(dataDir, 'fashion-mnist'));
});

/** Serves the files of `dir` over HTTP on 127.0.0.1, optionally spoiling one of them. */
async function serve(dir: string, spoil?: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const name = (req.url ?? '').slice(1);
    if (!FILES.includes(name)) {
      res.writeHead(404).end();
      return;
    }
    const bytes = readFileSync(join(dir, name));
    if (name === spoil) bytes[bytes.length - 100]! ^= 0xff;
    res.writeHead(200, { 'content-type': 'application/gzip' }).end(bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  after(() => server.close());
  return { url: `http://127.0.0.1:${port}/`, server };
}

test('Fashion-MNIST: when missing, the files are downloaded into the cache and checked', async () => {
  const { url } = await serve(FASHION_MNIST_SYSTEM_DIR);
  const cacheDir = join(tmp, 'cache-ok');
  const dir = await resolveFashionMnistDir({ dirs: [join(tmp, 'empty')], cacheDir, download: { baseUrl: url } });
  assert.equal(dir, cacheDir);
  assert.deepEqual(readdirSync(cacheDir).sort(), [...FILES].sort());
});

test('Fashion-MNIST: a download with a wrong checksum is refused with the install remedy', async () => {
  const { url } = await serve(FASHION_MNIST_SYSTEM_DIR, 't10k-labels-idx1-ubyte.gz');
  const cacheDir = join(tmp, 'cache-bad');
  await assert.rejects(
    resolveFashionMnistDir({ dirs: [join(tmp, 'empty')], cacheDir, download: { baseUrl: url } }),
    (e: unknown) =>
      e instanceof GeoFedError &&
      /t10k-labels-idx1-ubyte.gz: MD5 checksum does not match/.test(e.message) &&
      /dataset-fashion-mnist/.test(e.remedy ?? ''),
  );
  assert.ok(!existsSync(join(cacheDir, 't10k-labels-idx1-ubyte.gz')), 'the spoiled file must not stay in the cache');
  assert.equal(locateFashionMnist([cacheDir]), undefined);
});

test('Fashion-MNIST: nowhere and not downloadable gives the exact remedy', async () => {
  await assert.rejects(
    resolveFashionMnistDir({ dirs: [join(tmp, 'empty')], cacheDir: join(tmp, 'cache-none'), download: { baseUrl: 'http://127.0.0.1:9/', timeoutMs: 2000 } }),
    (e: unknown) =>
      e instanceof GeoFedError &&
      /Fashion-MNIST not found/.test(e.message) &&
      e.remedy ===
        'install the Debian package dataset-fashion-mnist (apt install dataset-fashion-mnist) or put the four files ' +
          'train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz in $GEOFED_DATA_DIR',
  );
});
