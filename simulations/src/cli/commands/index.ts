import type { Command } from 'commander';
import { register as simulate } from './simulate.ts';
import { register as partition } from './partition.ts';

/** Each sub-command lives in its own module and adds itself to the program; this list is the only registry. */
export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [simulate, partition];
