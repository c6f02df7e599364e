/**
 * What the coordinator's /client/data serves a demo browser client (when `browserDemo.samples` > 0): a few training
 * rows as base64 of little-endian float32 (`x`, row-major) and their labels (`y`). Both sides read this shape, so it
 * lives here rather than in either package.
 */
export interface DemoData {
  inputShape: number[];
  numClasses: number;
  n: number;
  x: string;
  y: number[];
}
