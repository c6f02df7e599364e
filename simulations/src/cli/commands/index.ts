import type { Command } from 'commander';

/** Each sub-command lives in its own module and adds itself to the program; this list is the only registry. */
export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [];
