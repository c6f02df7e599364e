import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@geofed/shared/tf/backend';
await initBackend(process.argv[2] as never);
const model = tf.sequential();
model.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 5, padding: 'same', activation: 'relu' }));
model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
model.add(tf.layers.conv2d({ filters: 64, kernelSize: 5, padding: 'same', activation: 'relu' }));
model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
model.add(tf.layers.flatten());
model.add(tf.layers.dense({ units: 512, activation: 'relu' }));
model.add(tf.layers.dense({ units: 10, activation: 'softmax' }));
model.compile({ optimizer: tf.train.sgd(0.01), loss: 'categoricalCrossentropy' });
const x = tf.randomNormal([32, 28, 28, 1]); const y = tf.oneHot(tf.tensor1d([...Array(32).keys()].map(i=>i%10),'int32'),10);
for (let i = 0; i < 3; i++) await model.trainOnBatch(x, y);
const agg = new Map<string, [number, number]>();
let total = 0; const N = 5;
for (let r = 0; r < N; r++) {
  const prof = await tf.profile(async () => { await model.trainOnBatch(x, y); });
  for (const k of prof.kernels) { const key = k.name + ' ' + JSON.stringify(k.inputShapes); const e = agg.get(key) ?? [0, 0]; e[0] += k.kernelTimeMs as number; e[1]++; agg.set(key, e); total += k.kernelTimeMs as number; }
}
console.log('kernel/step ms', (total / N).toFixed(2));
console.log([...agg].sort((a, b) => b[1][0] - a[1][0]).slice(0, 14).map(([k, [t, c]]) => `${(t / N).toFixed(2)}ms x${c / N} ${k}`).join('\n'));
const t1 = performance.now();
for (let r = 0; r < N; r++) await model.trainOnBatch(x, y);
console.log('unprofiled wall/step ms', ((performance.now() - t1) / N).toFixed(2));
