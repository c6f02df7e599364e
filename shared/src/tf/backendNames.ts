/**
 * The TF.js backends GeoFed can pick, apart from backend.ts so that configs can name them without loading TF.js
 * (commands that never train start fast).
 */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu' | 'wasm-stock';

export const BACKEND_NAMES: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu', 'wasm-stock'];
