/**
 * Many light echo clients in one process, for the connection benchmark: COUNT real edge sessions (socket.io,
 * framing, heartbeats) whose worker sends the weights back without training, ids client-FIRST ... .
 * Usage: node --import tsx echoSwarm.ts SERVER FIRST COUNT
 */
import { startNodeClient } from '@geofed/client/edge/nodeClient';
import type { EdgeSession } from '@geofed/client/edge/session';
import { benchClientId, benchToken } from './benchClients.ts';

const [server, first, count] = process.argv.slice(2);
if (!server || first === undefined || count === undefined) throw new Error('usage: echoSwarm.ts SERVER FIRST COUNT');
/** Connects in small waves, so 1,000 handshakes do not all land on the coordinator in the same instant. */
const WAVE = 25;
const sessions: EdgeSession[] = [];
for (let k = Number(first); k < Number(first) + Number(count); k += WAVE) {
  const ids = Array.from({ length: Math.min(WAVE, Number(first) + Number(count) - k) }, (_, i) => benchClientId(k + i));
  sessions.push(...(await Promise.all(ids.map((clientId) => startNodeClient({ server, clientId, token: benchToken(clientId), reconnectMaxMs: 2000 })))));
}
process.once('SIGTERM', () => sessions.forEach((s) => s.stop('signal')));
await Promise.all(sessions.map((s) => s.done));
process.exit(0);
