import { renameSync, writeFileSync } from 'node:fs';

/** Writes a file so that a reader (or a crash) never leaves half of it: write beside it, then rename. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}
