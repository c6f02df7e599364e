import type { Command } from 'commander';
import { datasetAvailability } from '@geofed/shared/data/registry';
import { GEOFED_VERSION } from '@geofed/shared/version';

interface Check {
  what: string;
  ok: boolean;
  detail: string;
  remedy?: string;
}

const MIN_NODE_MAJOR = 20;

function nodeCheck(): Check {
  const major = Number(process.versions.node.split('.')[0]);
  return major >= MIN_NODE_MAJOR
    ? { what: 'node', ok: true, detail: process.version }
    : { what: 'node', ok: false, detail: process.version, remedy: `install Node.js ${MIN_NODE_MAJOR} or newer` };
}

async function backendCheck(): Promise<Check> {
  try {
    const { initBackend } = await import('@geofed/shared/tf/backend');
    const info = await initBackend();
    const detail =
      `${info.name} (tfjs ${info.tfjsVersion}; SIMD ${info.simd ? 'yes' : 'no'}; threads ${info.threads ? 'yes' : 'no'}` +
      `${info.name === 'wasm' ? `; GeoFed training kernels ${info.geofedKernels ? 'on' : 'off'}` : ''})`;
    return info.tfjsNode
      ? { what: 'tfjs backend', ok: true, detail }
      : {
          what: 'tfjs backend',
          ok: true,
          detail,
          remedy:
            'optional: for native speed, with internet: npm install-scripts approve @tensorflow/tfjs-node && npm rebuild @tensorflow/tfjs-node',
        };
  } catch (e) {
    return { what: 'tfjs backend', ok: false, detail: (e as Error).message, remedy: 'run npm ci; set GEOFED_BACKEND=cpu to force the pure-JS backend' };
  }
}

async function redisCheck(url: string): Promise<Check> {
  const { Redis } = await import('ioredis');
  // A deployed REDIS_URL carries the Redis password: print it masked.
  const { displayUrl } = await import('../../scheduler/redisConnection.ts');
  const shown = displayUrl(url);
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect();
    const info = await redis.info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1] ?? '?';
    return { what: 'redis', ok: true, detail: `${shown} answers (redis ${version})` };
  } catch (e) {
    return {
      what: 'redis',
      ok: false,
      detail: `${shown} does not answer (${(e as Error).message})`,
      remedy: 'only needed by `geofed jobs` and `geofed worker`: start redis-server, or set REDIS_URL',
    };
  } finally {
    redis.disconnect();
  }
}

export function register(program: Command): void {
  program
    .command('doctor')
    .description('check this machine: Node, TF.js backend, Redis, data sets')
    .option('--json', 'print the checks as JSON')
    .action(async (opts: { json?: boolean }) => {
      const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
      const checks: Check[] = [
        { what: 'geofed', ok: true, detail: GEOFED_VERSION },
        nodeCheck(),
        await backendCheck(),
        await redisCheck(redisUrl),
        ...datasetAvailability().map((d) => ({
          what: `data set ${d.name}`,
          ok: d.available,
          detail: d.location,
          ...(d.remedy ? { remedy: d.remedy } : {}),
        })),
      ];
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(checks, null, 2)}\n`);
      } else {
        const width = Math.max(...checks.map((c) => c.what.length));
        for (const c of checks) {
          process.stdout.write(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.what.padEnd(width)}  ${c.detail}\n`);
          if (c.remedy) process.stdout.write(`${' '.repeat(width + 8)}-> ${c.remedy}\n`);
        }
      }
      if (checks.some((c) => !c.ok)) process.exitCode = 1;
    });
}
