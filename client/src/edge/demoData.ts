import type { DemoData } from '@geofed/shared/data/demoData';
import type { LocalShard } from './workers.ts';

function base64Bytes(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The demo rows as a shard holding all of them. */
export function shardFromDemoData(data: DemoData): LocalShard {
  const featureSize = data.inputShape.reduce((a, b) => a * b, 1);
  const bytes = base64Bytes(data.x);
  const view = new DataView(bytes.buffer);
  const x = new Float32Array(data.n * featureSize);
  if (bytes.length !== x.length * 4 || data.y.length !== data.n) throw new Error(`demo data holds ${bytes.length} bytes and ${data.y.length} labels for ${data.n} rows`);
  for (let i = 0; i < x.length; i++) x[i] = view.getFloat32(i * 4, true);
  const split = { x, y: Int32Array.from(data.y), n: data.n };
  return { data: { split, indices: Int32Array.from({ length: data.n }, (_, i) => i) }, inputShape: data.inputShape, numClasses: data.numClasses };
}
