#!/usr/bin/env node
// GeoFed runs its TypeScript sources directly through tsx, in this process and in every worker it starts.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
