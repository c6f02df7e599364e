import * as tf from '@tensorflow/tfjs';
import type { FixedClassifier } from '../math/classifiers/index.ts';
import { Rng } from '../math/rng.ts';
import type { WeightList, WeightSpec } from '../tensor/weights.ts';
import { assertMatchesSpec, sizeOf } from '../tensor/weights.ts';
import { glorotUniform, heUniform } from './init.ts';
import type { ModelSpec } from './modelSpec.ts';

/** Which part of the network a parameter belongs to: the trainer freezes or swaps parts by this tag. */
export type ModelPart = 'backbone' | 'head';

export interface Param {
  readonly name: string;
  readonly shape: readonly number[];
  readonly part: ModelPart;
  readonly variable: tf.Variable;
}

/**
 * The classifier on top of the embedding z.
 * - `learned`: an ordinary dense layer z -> K.
 * - `fixed`: a trainable projection, L2 normalisation and a learnable scalar temperature in front of a frozen
 *   classifier matrix (simplex ETF, polytope, EBV...) that every client shares. The matrix is not part of the
 *   exchanged weights: clients receive it once and check its checksum.
 */
export type HeadSpec =
  | { kind: 'learned' }
  | {
      kind: 'fixed';
      /** dim x K, row-major; column c is class c's fixed direction. */
      classifier: Float32Array;
      dim: number;
      initialTemperature: number;
    };

/** The head that trains against `classifier`, or a learned head when there is none. */
export function headFor(classifier: FixedClassifier | undefined, initialTemperature: number): HeadSpec {
  return classifier ? { kind: 'fixed', classifier: classifier.weights, dim: classifier.dim, initialTemperature } : { kind: 'learned' };
}

export interface ModelShape {
  readonly inputShape: readonly number[];
  readonly numClasses: number;
}

export interface GeoModel {
  readonly spec: ModelSpec;
  readonly head: HeadSpec;
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  /** Dimension of z, the backbone's output. */
  readonly embeddingDim: number;
  readonly params: readonly Param[];
  readonly weightSpecs: readonly WeightSpec[];
  /** x: [batch, ...inputShape] -> z: [batch, embeddingDim]. */
  embed(x: tf.Tensor): tf.Tensor2D;
  /** z -> logits [batch, K]. */
  classify(z: tf.Tensor2D): tf.Tensor2D;
  /** For a fixed head: the normalised projected features h whose direction the classifier scores. */
  projectedFeatures(z: tf.Tensor2D): tf.Tensor2D | undefined;
  logits(x: tf.Tensor): tf.Tensor2D;
  getWeights(): WeightList;
  setWeights(weights: WeightList): void;
  variables(part?: ModelPart): tf.Variable[];
  dispose(): void;
}

interface Builder {
  add(name: string, shape: number[], part: ModelPart, values: Float32Array): tf.Variable;
}

function dense(b: Builder, rng: Rng, name: string, part: ModelPart, nIn: number, nOut: number, relu: boolean) {
  const kernelValues = relu ? heUniform(rng, nIn, nIn * nOut) : glorotUniform(rng, nIn, nOut, nIn * nOut);
  const kernel = b.add(`${name}/kernel`, [nIn, nOut], part, kernelValues);
  const bias = b.add(`${name}/bias`, [nOut], part, new Float32Array(nOut));
  return (x: tf.Tensor2D): tf.Tensor2D =>
    tf.fused.matMul({ a: x, b: kernel as tf.Tensor2D, bias, activation: relu ? 'relu' : 'linear' }) as tf.Tensor2D;
}

function conv(b: Builder, rng: Rng, name: string, size: number, cIn: number, cOut: number) {
  const fanIn = size * size * cIn;
  const kernel = b.add(`${name}/kernel`, [size, size, cIn, cOut], 'backbone', heUniform(rng, fanIn, fanIn * cOut));
  const bias = b.add(`${name}/bias`, [cOut], 'backbone', new Float32Array(cOut));
  return (x: tf.Tensor4D): tf.Tensor4D =>
    tf.fused.conv2d({ x, filter: kernel as tf.Tensor4D, strides: 1, pad: 'same', bias, activation: 'relu' });
}

function buildBackbone(b: Builder, rng: Rng, spec: ModelSpec, inputShape: readonly number[]) {
  const featureSize = sizeOf(inputShape);
  switch (spec.type) {
    case 'mlp': {
      let width = featureSize;
      const layers = spec.hidden.map((h, i) => {
        const layer = dense(b, rng, `backbone/dense${i}`, 'backbone', width, h, true);
        width = h;
        return layer;
      });
      const embed = (x: tf.Tensor) =>
        layers.reduce<tf.Tensor2D>((h, layer) => layer(h), x.reshape([-1, featureSize]) as tf.Tensor2D);
      return { embed, dim: width };
    }
    case 'head': {
      const layer = dense(b, rng, 'backbone/dense0', 'backbone', featureSize, spec.hidden, true);
      return { embed: (x: tf.Tensor) => layer(x.reshape([-1, featureSize]) as tf.Tensor2D), dim: spec.hidden };
    }
    case 'cnn': {
      if (inputShape.length !== 3) {
        throw new Error(`the cnn model needs image input [height, width, channels], got [${inputShape.join(', ')}]`);
      }
      const [height, width, channels] = inputShape as [number, number, number];
      const [f1, f2] = spec.filters;
      const conv1 = conv(b, rng, 'backbone/conv0', 5, channels, f1);
      const conv2 = conv(b, rng, 'backbone/conv1', 5, f1, f2);
      const flat = Math.floor(height / 4) * Math.floor(width / 4) * f2;
      const fc = dense(b, rng, 'backbone/dense0', 'backbone', flat, spec.dense, true);
      const embed = (x: tf.Tensor) => {
        const x4 = x.reshape([-1, height, width, channels]) as tf.Tensor4D;
        const p1 = tf.maxPool(conv1(x4), 2, 2, 'valid');
        const p2 = tf.maxPool(conv2(p1), 2, 2, 'valid');
        return fc(p2.reshape([-1, flat]) as tf.Tensor2D);
      };
      return { embed, dim: spec.dense };
    }
  }
}

function buildHead(b: Builder, rng: Rng, head: HeadSpec, embeddingDim: number, numClasses: number) {
  if (head.kind === 'learned') {
    const out = dense(b, rng, 'head/dense', 'head', embeddingDim, numClasses, false);
    return { classify: out, project: undefined };
  }
  if (head.classifier.length !== head.dim * numClasses) {
    throw new Error(
      `fixed classifier has ${head.classifier.length} values, expected dim ${head.dim} x ${numClasses} classes`,
    );
  }
  const projection = dense(b, rng, 'head/projection', 'head', embeddingDim, head.dim, false);
  const temperature = b.add('head/temperature', [1], 'head', Float32Array.of(head.initialTemperature));
  const fixed = tf.keep(tf.tensor2d(head.classifier, [head.dim, numClasses]));
  const project = (z: tf.Tensor2D): tf.Tensor2D => {
    const p = projection(z);
    return tf.div(p, tf.norm(p, 2, 1, true).add(1e-12));
  };
  const classify = (z: tf.Tensor2D) => tf.matMul(project(z), fixed).mul(temperature) as tf.Tensor2D;
  return { classify, project, fixed };
}

export function buildModel(spec: ModelSpec, shape: ModelShape, seed: number, head: HeadSpec = { kind: 'learned' }): GeoModel {
  const params: Param[] = [];
  const builder: Builder = {
    add(name, paramShape, part, values) {
      const variable = tf.tidy(() => tf.variable(tf.tensor(values, paramShape), true));
      params.push({ name, shape: paramShape, part, variable });
      return variable;
    },
  };
  const rng = new Rng(seed).fork('model-init');
  const backbone = buildBackbone(builder, rng, spec, shape.inputShape);
  const headParts = buildHead(builder, rng, head, backbone.dim, shape.numClasses);
  const weightSpecs: WeightSpec[] = params.map((p) => ({ name: p.name, shape: p.shape }));

  return {
    spec,
    head,
    inputShape: shape.inputShape,
    numClasses: shape.numClasses,
    embeddingDim: backbone.dim,
    params,
    weightSpecs,
    embed: backbone.embed,
    classify: headParts.classify,
    projectedFeatures: (z) => headParts.project?.(z),
    logits: (x) => headParts.classify(backbone.embed(x)),
    getWeights: () => params.map((p) => p.variable.dataSync() as Float32Array).map((d) => new Float32Array(d)),
    setWeights(weights) {
      assertMatchesSpec(weights, weightSpecs, 'model weights');
      tf.tidy(() => params.forEach((p, i) => p.variable.assign(tf.tensor(weights[i]!, p.shape as number[]))));
    },
    variables: (part) => params.filter((p) => part === undefined || p.part === part).map((p) => p.variable),
    dispose() {
      for (const p of params) p.variable.dispose();
      headParts.fixed?.dispose();
    },
  };
}
