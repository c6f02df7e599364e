import { GeoFedError } from '@geofed/shared/errors';
import { hasCheckpoint } from '../checkpoint/checkpoint.ts';

/**
 * Checked before anything is built: `--resume` needs a checkpoint folder, and a fresh run must not overwrite the
 * checkpoint of another one. True when there is a checkpoint to resume from.
 */
export function checkCheckpointFolder(dir: string | undefined, resume: boolean): boolean {
  if (resume && dir === undefined) {
    throw new GeoFedError('--resume needs a checkpoint folder', { remedy: 'pass --checkpoint-dir DIR or set checkpoint.dir in the config' });
  }
  if (dir === undefined || !hasCheckpoint(dir)) return false;
  if (!resume) {
    throw new GeoFedError(`${dir} already holds a checkpoint`, { remedy: 'pass --resume to continue from it, or choose an empty checkpoint folder' });
  }
  return true;
}

/** Checkpoints are written every `every` rounds and after the last one, so a finished run always has its final state. */
export function checkpointDue(round: number, lastRound: number, every: number): boolean {
  return round % every === 0 || round === lastRound;
}
