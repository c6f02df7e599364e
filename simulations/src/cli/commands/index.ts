import type { Command } from 'commander';
import { register as simulate } from './simulate.ts';
import { register as demo } from './demo.ts';
import { register as partition } from './partition.ts';
import { register as doctor } from './doctor.ts';
import { register as weights } from './weights.ts';
import { register as jobs } from './jobs.ts';
import { register as worker } from './worker.ts';
import { register as coordinator } from './coordinator.ts';
import { register as client } from './client.ts';
import { register as token } from './token.ts';
import { register as evaluate } from './evaluate.ts';
import { register as embed } from './embed.ts';

/** Each sub-command lives in its own module and adds itself to the program; this list is the only registry. */
export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [demo, simulate, evaluate, embed, partition, doctor, weights, jobs, worker, coordinator, client, token];
