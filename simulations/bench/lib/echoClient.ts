/**
 * One echo client process for the transport benchmark: the real edge client (session, framing, reconnection)
 * with a worker that sends the weights back. Usage: node --import tsx echoClient.ts SERVER CLIENT_ID TOKEN
 */
import { startNodeClient } from '@geofed/client/edge/nodeClient';

const [server, clientId, token] = process.argv.slice(2);
if (!server || !clientId || !token) throw new Error('usage: echoClient.ts SERVER CLIENT_ID TOKEN');
const session = await startNodeClient({ server, clientId, token, reconnectMaxMs: 1000, maxMessageBytes: 4 * 1024 * 1024 });
process.once('SIGTERM', () => session.stop('signal'));
await session.done;
process.exit(0);
