import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { humanLine, logger, parseLogLevel, setLogLevel, setLogSink, type LogEvent } from '../src/log.ts';
import { GeoFedError } from '../src/errors.ts';

const events: LogEvent[] = [];
setLogSink((e) => events.push(e));

afterEach(() => {
  events.length = 0;
  setLogLevel('info');
});

test('a child logger carries its component and bindings into every event', () => {
  logger('edge-client').child({ clientId: 'c-7' }).info({ round: 3 }, 'training');
  assert.equal(events.length, 1);
  assert.deepEqual(events[0]!.fields, { component: 'edge-client', clientId: 'c-7', round: 3 });
  assert.equal(events[0]!.message, 'training');
  assert.equal(events[0]!.level, 'info');
});

test('events below the level are dropped and silent drops all', () => {
  const log = logger('data');
  log.debug({}, 'hidden');
  setLogLevel('warn');
  log.info({}, 'hidden too');
  log.warn({}, 'shown');
  setLogLevel('silent');
  log.error({}, 'silenced');
  assert.deepEqual(events.map((e) => e.message), ['shown']);
  assert.equal(log.isLevelEnabled('error'), false);
});

test('a human line holds time, level, component, message and key=value pairs, no JSON record', () => {
  const line = humanLine({
    level: 'warn',
    time: new Date('2026-12-02T13:40:02.125Z'),
    fields: { component: 'coordinator', round: 3, accuracy: 0.812345, reason: 'too late', err: new Error('boom'), skipped: undefined },
    message: 'update refused',
  });
  assert.equal(line, '13:40:02.125 WARN  coordinator update refused round=3 accuracy=0.8123 reason="too late" err="boom"');
});

test('an unknown GEOFED_LOG_LEVEL names the valid ones', () => {
  assert.equal(parseLogLevel('debug'), 'debug');
  assert.throws(() => parseLogLevel('loud'), (e: unknown) => e instanceof GeoFedError && /debug, info, warn, error, silent/.test(e.describe()));
});

test('a human line shortens what would bury it: checksums, long lists, nested records', () => {
  const line = humanLine({
    level: 'info',
    time: new Date('2026-12-02T13:40:02.125Z'),
    fields: {
      component: 'coordinator',
      accepted: ['c1', 'c2'],
      selected: ['c1', 'c2', 'c3', 'c4', 'c5'],
      failed: [{ clientId: 'c3', reason: 'late' }],
      withheld: [],
      weightsChecksum: 'ab'.repeat(32),
      geometry: { round: 2, classes: 10 },
    },
    message: 'round complete',
  });
  assert.equal(line, '13:40:02.125 INFO  coordinator round complete accepted=c1,c2 selected=(5) failed=(1) withheld=none weightsChecksum=abababab… geometry=round:2,classes:10');
});
