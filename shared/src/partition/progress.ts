/** Where a partitioner that redraws until every client is large enough stands after one draw. */
export interface PartitionProgress {
  readonly scheme: string;
  /** Draws made so far (1-based) and the most the partitioner makes before giving up. */
  readonly draw: number;
  readonly maxDraws: number;
  readonly clients: number;
  /** Clients of this draw holding fewer than `minSize` samples; 0 on the draw that is kept. */
  readonly clientsShort: number;
  readonly minSize: number;
  /** Milliseconds since the partitioner started drawing. */
  readonly elapsedMs: number;
}

export type OnPartitionProgress = (progress: PartitionProgress) => void;

export interface PartitionOptions {
  /** Called after every draw, so a caller can show progress on a partition that takes a while. */
  readonly onProgress?: OnPartitionProgress;
}
