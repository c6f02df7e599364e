import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { logger } from '@geofed/shared/log';
import { DashboardFeed } from '@geofed/coordinator/dashboard/dashboardFeed';
import { dashboardState, type RoundPoint } from '@geofed/coordinator/dashboard/dashboardState';
import { startDashboardServer, type DashboardServer } from '@geofed/coordinator/dashboard/dashboardServer';
import { dashboardToken } from '@geofed/coordinator/dashboard/dashboardToken';
import { PoolObserver } from '@geofed/coordinator/dashboard/poolObserver';

/* The dashboard's HTTP side on a real loopback server: the operator token, secrets kept off the page, pushes. */

const TOKEN = 'operator-token-0123456789';
const history: RoundPoint[] = [];
const config = { rounds: 3, auth: { tokens: { a: 'a-client-token-0123456789' }, hmacSecretEnv: 'GEOFED_HMAC_SECRET' }, redis: { password: 'hunter2hunter2' } };
const feed = new DashboardFeed(
  () => dashboardState({ title: 'test run', state: 'running', round: history.length, rounds: 3, history, classNames: [], config }, new PoolObserver()),
  { token: TOKEN },
);
let server: DashboardServer;

after(() => server?.close());

test('the state and the event stream need the operator token; the page itself does not', async () => {
  server = await startDashboardServer(feed, 0, '127.0.0.1', logger('dashboard'));
  assert.equal((await fetch(server.url)).status, 200);
  assert.equal((await fetch(`${server.url}dashboard/dashboard.js`)).status, 200);
  const refused = await fetch(`${server.url}dashboard/state`);
  assert.equal(refused.status, 401);
  assert.match(((await refused.json()) as { error: string }).error, /operator token/);
  assert.equal((await fetch(`${server.url}dashboard/state?token=wrong-token-0123456789`)).status, 401);
  assert.equal((await fetch(`${server.url}dashboard/events`)).status, 401);
  assert.equal((await fetch(`${server.url}dashboard/state`, { headers: { authorization: `Bearer ${TOKEN}` } })).status, 200);
});

test('secrets in the config never reach the page', async () => {
  const text = await (await fetch(`${server.url}dashboard/state?token=${TOKEN}`)).text();
  assert.doesNotMatch(text, /a-client-token|hunter2/);
  const state = JSON.parse(text) as { config: { rounds: number; auth: { tokens: string }; redis: { password: string } } };
  assert.equal(state.config.rounds, 3);
  assert.equal(state.config.auth.tokens, '(hidden)');
  assert.equal(state.config.redis.password, '(hidden)');
});

test('a completed round is pushed to an open event stream', async () => {
  const controller = new AbortController();
  const res = await fetch(`${server.url}dashboard/events?token=${TOKEN}`, { signal: controller.signal });
  assert.equal(res.headers.get('content-type'), 'text/event-stream');
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: Array<{ round: number }> = [];
  let buffer = '';
  const nextEvent = async () => {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (block.startsWith('data: ')) return JSON.parse(block.slice(6)) as { round: number };
        continue;
      }
      const { value, done } = await reader.read();
      if (done) throw new Error('the event stream ended');
      buffer += value;
    }
  };
  events.push(await nextEvent());
  history.push({ round: 1, testAccuracy: 0.5, testLoss: 1, trainLoss: 1.2, seconds: 2 });
  feed.push();
  events.push(await nextEvent());
  controller.abort();
  assert.deepEqual(events.map((e) => e.round), [0, 1]);
});

test('a configured token variable that is missing or short is an error that says what to set', () => {
  assert.equal(dashboardToken({}, {}), undefined);
  assert.equal(dashboardToken({ tokenEnv: 'DASH' }, { DASH: TOKEN }), TOKEN);
  assert.throws(() => dashboardToken({ tokenEnv: 'DASH' }, {}), /dashboard.tokenEnv names DASH, which is not set/);
  assert.throws(() => dashboardToken({ tokenEnv: 'DASH' }, { DASH: 'short' }), /shorter than 16 characters/);
});
