import type { LocalTrainSettings } from '@geofed/shared/config/localTrain';
import type { Evaluation } from '@geofed/shared/models/evaluate';
import { loadWeightsFor } from '@geofed/shared/models/weightsFile';
import type { WeightList } from '@geofed/shared/tensor/weights';
import type { ClientPool } from '../engine/clientPool.ts';
import { RoundEngine, type GlobalEvaluation } from '../engine/roundEngine.ts';
import type { GeometryMethod } from '../methods/geometryMethod.ts';
import { createStrategy, type Strategy, type StrategySpec } from '../strategies/index.ts';
import { loadCheckpoint, saveCheckpoint } from '../checkpoint/checkpoint.ts';
import { checkpointDue } from './checkpointFolder.ts';
import { prepareModel, scoreWeights, type ModelConfig, type PreparedModel } from './prepareModel.ts';
import { roundWeightsFile, writeRunWeights } from './weightsOut.ts';

/** The keys a simulation config and a coordinator config share: everything a federation is built from. */
export interface FederationConfig extends ModelConfig {
  readonly strategy: StrategySpec;
  readonly local: LocalTrainSettings;
  readonly init?: string | undefined;
  readonly fractionPerRound: number;
  readonly minClientsPerRound: number;
  readonly clientsPerRound?: number | undefined;
  readonly quorum?: number | undefined;
  readonly deadlineSeconds?: number | undefined;
  readonly evaluation: { readonly enabled?: boolean; readonly batchSize: number };
  readonly rounds: number;
  /** No checkpoints without a folder. */
  readonly checkpoint: { readonly dir?: string | undefined; readonly every: number };
}

/** What a pool is made from: the transport needs the data (virtual clients) or the model's shape (the wire). */
export interface FederationParts extends PreparedModel {
  readonly initialWeights: WeightList;
}

/** A pool that can also score the global model on the test split (spread over worker threads, say). */
export interface EvaluatingPool extends ClientPool {
  evaluate?(weights: WeightList, batchSize: number): Promise<Evaluation>;
}

export interface FederationOptions<P extends EvaluatingPool> {
  readonly pool: (parts: FederationParts & { readonly strategy: Strategy }) => P | Promise<P>;
  /**
   * The pool the engine dispatches rounds through, made from the transport's pool (secure aggregation wraps it to
   * mask updates on their way); may refuse the run. Default: the transport's pool itself.
   */
  readonly roundPool?: (pool: P, built: FederationParts & { readonly strategy: Strategy; readonly method: GeometryMethod }) => ClientPool;
  /** Figures added to every round's record from the round's evaluation (per-class results are only here). */
  readonly evaluationExtras?: (evaluation: Evaluation) => Record<string, number>;
}

export interface Federation<P extends EvaluatingPool> extends FederationParts {
  readonly pool: P;
  readonly method: GeometryMethod;
  readonly strategy: Strategy;
  readonly engine: RoundEngine;
  /** What a checkpoint must have been made with: the model and its fixed head (another head trains another model). */
  readonly checkpointIdentity: string;
  /** The global model scored on the test split (NaN when evaluation is off). */
  evaluate(weights: WeightList): Promise<GlobalEvaluation>;
  /**
   * After a round: when a checkpoint is due, writes the engine's state with the caller's round history, and the
   * round's global weights beside it (weights-round-NNNN.safetensors).
   */
  checkpointIfDue<H>(history: readonly H[]): void;
  /** Writes the current global weights as `name` in `dir` (a GeoFed weights file); returns its path. */
  writeWeights(dir: string, name: string): string;
  /** Restores the engine from the checkpoint folder and returns the round history saved with it. */
  resume<H>(): H[];
  /** Frees the model and the pool. */
  close(): Promise<void>;
}

/**
 * Builds a federation from one resolved config: backend, data set, method (plan, fixed head, server half), model,
 * initial weights, strategy, pool and round engine, with evaluation and checkpoints. The one place a simulation,
 * the coordinator, the scheduler's runs and the benches set a run up, so that a config means the same everywhere.
 * Everything that can fail on bad input (data set, init weights) fails here, before round 1.
 */
export async function buildFederation<P extends EvaluatingPool & { close?(): Promise<void> | void }>(
  config: FederationConfig,
  options: FederationOptions<P>,
): Promise<Federation<P>> {
  const prepared = await prepareModel(config);
  const { model, setup } = prepared;
  const method = setup.serverMethod(model.embeddingDim);
  const initialWeights = config.init ? loadWeightsFor(config.init, model.weightSpecs) : model.getWeights();
  const strategy = createStrategy(config.strategy);
  const parts: FederationParts = { ...prepared, initialWeights };
  const pool = await options.pool({ ...parts, strategy });
  const close = async () => {
    try {
      await pool.close?.();
    } finally {
      model.dispose();
    }
  };
  let roundPool: ClientPool;
  try {
    roundPool = options.roundPool ? options.roundPool(pool, { ...parts, strategy, method }) : pool;
  } catch (e) {
    await close();
    throw e;
  }

  const evaluateGlobal = async (weights: WeightList): Promise<GlobalEvaluation> => {
    if (config.evaluation.enabled === false) return { accuracy: Number.NaN, loss: Number.NaN };
    const { batchSize } = config.evaluation;
    const evaluation = pool.evaluate ? await pool.evaluate(weights, batchSize) : scoreWeights(prepared, weights, batchSize);
    return options.evaluationExtras ? { ...evaluation, extra: options.evaluationExtras(evaluation) } : evaluation;
  };
  const engine = new RoundEngine({
    strategy,
    pool: roundPool,
    initialWeights,
    train: setup.train(config.local),
    method,
    seed: config.seed,
    fractionPerRound: config.fractionPerRound,
    minClientsPerRound: config.minClientsPerRound,
    ...(config.clientsPerRound !== undefined ? { clientsPerRound: config.clientsPerRound } : {}),
    ...(config.quorum !== undefined ? { quorum: config.quorum } : {}),
    ...(config.deadlineSeconds !== undefined ? { deadlineMs: config.deadlineSeconds * 1000 } : {}),
    evaluate: evaluateGlobal,
  });

  const writeWeights = (dir: string, name: string) =>
    writeRunWeights(dir, name, model.weightSpecs, engine.globalWeights, { round: engine.round, modelSpec: prepared.modelSpec });
  const checkpointIdentity = setup.classifier ? `${prepared.modelSpec} with fixed classifier ${setup.classifier.checksum}` : prepared.modelSpec;
  return {
    ...parts,
    pool,
    method,
    strategy,
    engine,
    checkpointIdentity,
    evaluate: evaluateGlobal,
    checkpointIfDue(history) {
      const { dir, every } = config.checkpoint;
      if (dir === undefined || !checkpointDue(engine.round, config.rounds, every)) return;
      saveCheckpoint(dir, model.weightSpecs, { engine: engine.exportState(), history: [...history], modelSpec: checkpointIdentity });
      writeWeights(dir, roundWeightsFile(engine.round));
    },
    writeWeights,
    resume<H>() {
      const { dir } = config.checkpoint;
      if (dir === undefined) throw new Error('resume without a checkpoint folder (checkCheckpointFolder comes first)');
      const saved = loadCheckpoint<H>(dir, model.weightSpecs, checkpointIdentity);
      engine.restoreState(saved.engine);
      return saved.history;
    },
    close,
  };
}
