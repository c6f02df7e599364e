import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCoordinatorConfig } from '@geofed/coordinator/config/coordinatorConfig';

const minimal = { dataset: 'synthetic', auth: { tokens: { a: 'a-token-0123456789' } } };

test('a minimal config gets every default', () => {
  const config = parseCoordinatorConfig(minimal, '/configs');
  assert.equal(config.dataset.name, 'synthetic');
  assert.equal(config.strategy.name, 'fedavg');
  assert.equal(config.maxMessageBytes, 4 * 1024 * 1024);
  assert.deepEqual(config.encoding, { download: 'f32', upload: 'f32' });
  assert.equal(config.browserDemo.samples, 0);
});

test('paths are taken relative to the config file', () => {
  const config = parseCoordinatorConfig({ ...minimal, tls: { cert: 'tls/cert.pem', key: '/abs/key.pem' }, checkpoint: { dir: 'ckpt' } }, '/configs');
  assert.deepEqual(config.tls, { cert: '/configs/tls/cert.pem', key: '/abs/key.pem' });
  assert.equal(config.checkpoint.dir, '/configs/ckpt');
});

test('mistakes are named by key', () => {
  assert.throws(() => parseCoordinatorConfig({ ...minimal, quorom: 2 }, '/'), /unknown key "quorom" at the top level/);
  assert.throws(() => parseCoordinatorConfig({ dataset: 'synthetic' }, '/'), /auth: /);
  assert.throws(() => parseCoordinatorConfig({ ...minimal, auth: { tokens: { a: 'short' } } }, '/'), /at least 16 characters/);
  assert.throws(() => parseCoordinatorConfig({ ...minimal, clientsPerRound: 2, quorum: 3 }, '/'), /quorum: is 3, more than clientsPerRound/);
});

test('secure aggregation and embedding clipping are refused over the network with the reason, not ignored', () => {
  assert.throws(
    () => parseCoordinatorConfig(minimal, '/', ['secureAggregation.enabled=true']),
    /secureAggregation.enabled: secure aggregation is available in simulations \(geofed simulate\) only/,
  );
  assert.throws(() => parseCoordinatorConfig(minimal, '/', ['privacy.clipNorm=5']), /privacy.clipNorm: differential privacy \(clipping, noise, accounting\) is available in simulations/);
  assert.throws(() => parseCoordinatorConfig(minimal, '/', ['privacy.dpFedAvg.clipNorm=1', 'privacy.dpFedAvg.noiseMultiplier=1']), /privacy.dpFedAvg: differential privacy/);
  assert.equal(parseCoordinatorConfig(minimal, '/', ['secureAggregation.enabled=false']).secureAggregation.enabled, false);
});
