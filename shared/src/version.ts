import { createRequire } from 'node:module';

/** GeoFed's version, from the root package.json (one place to bump). */
export const GEOFED_VERSION: string = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
