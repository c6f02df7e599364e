import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { GeoFedError } from '../errors.ts';
import { logger } from '../log.ts';
import type { Dataset, Split } from './dataset.ts';
import { readIdxGz, type IdxArray } from './idx.ts';

export const FASHION_MNIST_CLASS_NAMES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

/** The data set's own README names this as the download location. */
export const FASHION_MNIST_URL = 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/';

/**
 * Accepted MD5 digests per file: `gz` is the checksum published in the data set's README (of the .gz as served);
 * `raw` is the checksum of the decompressed content, which also holds for copies that were re-compressed
 * (the Debian package `dataset-fashion-mnist` ships such copies).
 */
export const FASHION_MNIST_FILES = {
  trainImages: {
    file: 'train-images-idx3-ubyte.gz',
    gz: '8d4fb7e6c68d591d4c3dfef9ec88bf0d',
    raw: 'f4a8712d7a061bf5bd6d2ca38dc4d50a',
  },
  trainLabels: {
    file: 'train-labels-idx1-ubyte.gz',
    gz: '25c81989df183df01b3e8a0aad5dffbe',
    raw: '9018921c3c673c538a1fc5bad174d6f9',
  },
  testImages: {
    file: 't10k-images-idx3-ubyte.gz',
    gz: 'bef4ecab320f06d8554ea6380940ec79',
    raw: '8181f5470baa50b63fa0f6fddb340f0a',
  },
  testLabels: {
    file: 't10k-labels-idx1-ubyte.gz',
    gz: 'bb300cfdad3c16e7a12a480ee83cd310',
    raw: '15d484375f8d13e6eb1aabb0c3f46965',
  },
} as const;

type FileKey = keyof typeof FASHION_MNIST_FILES;
const FILE_KEYS = Object.keys(FASHION_MNIST_FILES) as FileKey[];

export const FASHION_MNIST_SYSTEM_DIR = '/usr/share/datasets/fashion-mnist';

export const FASHION_MNIST_REMEDY =
  'install the Debian package dataset-fashion-mnist (apt install dataset-fashion-mnist) ' +
  'or put the four files train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, ' +
  't10k-labels-idx1-ubyte.gz in $GEOFED_DATA_DIR';

const log = logger('data');

export function fashionMnistCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return join(base, 'geofed', 'fashion-mnist');
}

/**
 * Where we look, in order: $GEOFED_DATA_DIR (itself, then its fashion-mnist/), the user cache, the system copy.
 * A GEOFED_DATA_DIR that does not exist is a mistake to report, not a folder to skip quietly.
 */
export function fashionMnistSearchDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs: string[] = [];
  if (env.GEOFED_DATA_DIR) {
    if (!existsSync(env.GEOFED_DATA_DIR)) {
      throw new GeoFedError(`GEOFED_DATA_DIR: ${env.GEOFED_DATA_DIR} does not exist`, {
        remedy: 'point it at a folder holding the Fashion-MNIST files (or their fashion-mnist/ folder), or unset it',
        code: 'BAD_DATA_DIR',
      });
    }
    dirs.push(env.GEOFED_DATA_DIR, join(env.GEOFED_DATA_DIR, 'fashion-mnist'));
  }
  dirs.push(fashionMnistCacheDir(env), FASHION_MNIST_SYSTEM_DIR);
  return dirs.map((d) => resolve(d));
}

/** The first folder that holds all four files, or undefined. */
export function locateFashionMnist(dirs: readonly string[] = fashionMnistSearchDirs()): string | undefined {
  return dirs.find((dir) => FILE_KEYS.every((k) => existsSync(join(dir, FASHION_MNIST_FILES[k].file))));
}

const md5 = (bytes: Uint8Array): string => createHash('md5').update(bytes).digest('hex');

function checksumMatches(key: FileKey, gz: Uint8Array): boolean {
  const expected = FASHION_MNIST_FILES[key];
  if (md5(gz) === expected.gz) return true;
  try {
    return md5(gunzipSync(gz)) === expected.raw;
  } catch {
    return false;
  }
}

export interface DownloadOptions {
  /** Folder URL holding the four files; defaults to the official location. */
  readonly baseUrl?: string;
  /** Per file; the whole download is abandoned when one file exceeds it. */
  readonly timeoutMs?: number;
}

/** Fetches the four files into `dir`, verifying each checksum before it is moved into place. */
export async function downloadFashionMnist(dir: string, options: DownloadOptions = {}): Promise<void> {
  const baseUrl = options.baseUrl ?? FASHION_MNIST_URL;
  const timeoutMs = options.timeoutMs ?? 60_000;
  await mkdir(dir, { recursive: true });
  for (const key of FILE_KEYS) {
    const { file } = FASHION_MNIST_FILES[key];
    const target = join(dir, file);
    if (existsSync(target)) continue;
    const url = new URL(file, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`).href;
    log.info({ url, dir }, 'downloading Fashion-MNIST file');
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (!checksumMatches(key, bytes)) throw new Error(`${url}: MD5 checksum does not match the published one`);
    const partial = `${target}.partial`;
    await writeFile(partial, bytes);
    await rename(partial, target);
  }
}

export interface FashionMnistOptions {
  /** Folders to search (default: fashionMnistSearchDirs()). */
  readonly dirs?: readonly string[];
  /** Where a download goes (default: the user cache); `download: false` turns downloading off. */
  readonly cacheDir?: string;
  readonly download?: DownloadOptions | false;
}

/** Finds the files, downloading them into the cache if they are nowhere; throws the install remedy on failure. */
export async function resolveFashionMnistDir(options: FashionMnistOptions = {}): Promise<string> {
  const dirs = options.dirs ?? fashionMnistSearchDirs();
  const found = locateFashionMnist(dirs);
  if (found) return found;
  const cacheDir = resolve(options.cacheDir ?? fashionMnistCacheDir());
  let reason = 'downloading is turned off';
  if (options.download !== false) {
    try {
      await downloadFashionMnist(cacheDir, options.download);
      return cacheDir;
    } catch (e) {
      reason = `download from ${options.download?.baseUrl ?? FASHION_MNIST_URL} failed: ${(e as Error).message}`;
      log.warn({ err: (e as Error).message, cacheDir }, 'Fashion-MNIST download failed');
      // A half-written cache would be mistaken for a complete one later; keep only verified files.
      await Promise.all(
        FILE_KEYS.map((k) => rm(join(cacheDir, `${FASHION_MNIST_FILES[k].file}.partial`), { force: true })),
      );
    }
  }
  throw new GeoFedError(`Fashion-MNIST not found in ${dirs.join(', ')} (${reason})`, {
    remedy: FASHION_MNIST_REMEDY,
    code: 'DATA_MISSING',
  });
}

function expectShape(idx: IdxArray, file: string, shape: readonly number[]): void {
  const ok = idx.dtype === 'uint8' && idx.shape.length === shape.length && idx.shape.every((s, i) => s === shape[i]);
  if (!ok) {
    throw new GeoFedError(
      `${file} holds ${idx.dtype} [${idx.shape.join(', ')}], expected uint8 [${shape.join(', ')}]`,
      { remedy: 'this is not a Fashion-MNIST file; replace it with the original', code: 'DATA_CORRUPT' },
    );
  }
}

async function readLabels(dir: string, key: 'trainLabels' | 'testLabels', n: number): Promise<Int32Array> {
  const file = join(dir, FASHION_MNIST_FILES[key].file);
  const idx = await readIdxGz(file);
  expectShape(idx, file, [n]);
  const labels = new Int32Array(new SharedArrayBuffer(n * 4));
  labels.set(idx.data);
  const bad = labels.findIndex((y) => y >= FASHION_MNIST_CLASS_NAMES.length);
  if (bad >= 0) {
    throw new GeoFedError(`${file}: label ${labels[bad]} at ${bad} is out of range`, {
      remedy: 'this is not a Fashion-MNIST file; replace it with the original',
      code: 'DATA_CORRUPT',
    });
  }
  return labels;
}

async function readSplit(dir: string, images: 'trainImages' | 'testImages', n: number): Promise<Split> {
  const file = join(dir, FASHION_MNIST_FILES[images].file);
  const idx = await readIdxGz(file);
  expectShape(idx, file, [n, 28, 28]);
  const x = new Float32Array(new SharedArrayBuffer(idx.data.length * 4));
  for (let i = 0; i < x.length; i++) x[i] = idx.data[i]! / 255;
  const y = await readLabels(dir, images === 'trainImages' ? 'trainLabels' : 'testLabels', n);
  return { x, y, n };
}

export const FASHION_MNIST_TRAIN_SIZE = 60_000;
export const FASHION_MNIST_INPUT_SHAPE: readonly number[] = [28, 28, 1];
export const FASHION_MNIST_TEST_SIZE = 10_000;

const loaded = new Map<string, Promise<Dataset>>();

async function parseFashionMnist(dir: string): Promise<Dataset> {
  const started = Date.now();
  const [train, test] = await Promise.all([
    readSplit(dir, 'trainImages', FASHION_MNIST_TRAIN_SIZE),
    readSplit(dir, 'testImages', FASHION_MNIST_TEST_SIZE),
  ]);
  log.debug({ dir, ms: Date.now() - started }, 'Fashion-MNIST loaded');
  return {
    name: 'fashion-mnist',
    synthetic: false,
    numClasses: FASHION_MNIST_CLASS_NAMES.length,
    inputShape: FASHION_MNIST_INPUT_SHAPE,
    featureSize: 28 * 28,
    classNames: FASHION_MNIST_CLASS_NAMES,
    train,
    test,
    source: { dir, files: FILE_KEYS.map((k) => join(dir, FASHION_MNIST_FILES[k].file)) },
  };
}

/**
 * Fashion-MNIST with pixels in [0, 1] on SharedArrayBuffers. Parsed once per folder per process: later calls
 * share the same arrays, so callers must not write into them.
 */
export async function loadFashionMnist(options: FashionMnistOptions = {}): Promise<Dataset> {
  const dir = await resolveFashionMnistDir(options);
  let dataset = loaded.get(dir);
  if (!dataset) {
    dataset = parseFashionMnist(dir);
    loaded.set(dir, dataset);
    // A failed parse must not stick: the user may fix the files and retry in the same process.
    dataset.catch(() => loaded.delete(dir));
  }
  return dataset;
}

/** Only the training labels (30 KB instead of 47 MB), for partitioning without the images. */
export async function loadFashionMnistTrainLabels(options: FashionMnistOptions = {}): Promise<Int32Array> {
  return readLabels(await resolveFashionMnistDir(options), 'trainLabels', FASHION_MNIST_TRAIN_SIZE);
}
