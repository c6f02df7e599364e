import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAuthenticator, signClientToken } from '@geofed/coordinator/server/auth';

const secret = 'a-secret-of-at-least-thirty-two-characters';

test('the token table admits a client with its own token only', () => {
  const auth = createAuthenticator({ tokens: { alice: 'alice-token-0123456789', bob: 'bob-token-0123456789ab' } });
  assert.deepEqual(auth.check('alice', 'alice-token-0123456789'), { ok: true });
  assert.deepEqual(auth.check('alice', 'bob-token-0123456789ab'), { ok: false, reason: 'wrong token for client alice' });
  assert.deepEqual(auth.check('carol', 'alice-token-0123456789'), { ok: false, reason: 'client id carol is not registered' });
  assert.deepEqual(auth.check('', ''), { ok: false, reason: 'client id and token are required' });
});

test('a signed token is valid for the client it was issued to, until it expires', () => {
  const now = 1_700_000_000_000;
  const auth = createAuthenticator({ hmacSecret: secret }, () => now);
  assert.deepEqual(auth.check('alice', signClientToken(secret, 'alice')), { ok: true });
  assert.deepEqual(auth.check('alice', signClientToken(secret, 'alice', now / 1000 + 60)), { ok: true });
  assert.equal(auth.check('bob', signClientToken(secret, 'alice')).ok, false);
  assert.match((auth.check('alice', signClientToken(secret, 'alice', now / 1000 - 1)) as { reason: string }).reason, /expired/);
  assert.equal(auth.check('alice', signClientToken('another-secret-of-thirty-two-characters', 'alice')).ok, false);
  assert.match((auth.check('alice', 'v1.0') as { reason: string }).reason, /not a GeoFed v1 signed token/);
});

test('with both token table and signed tokens, a refusal gives the reason of the check the credential was meant for', () => {
  const auth = createAuthenticator({ tokens: { alice: 'alice-token-0123456789' }, hmacSecret: secret });
  assert.deepEqual(auth.check('alice', 'not-alice-token-0123456789'), { ok: false, reason: 'wrong token for client alice' });
  assert.deepEqual(auth.check('bob', signClientToken(secret, 'carol')), { ok: false, reason: 'token is not valid for client bob' });
  assert.deepEqual(auth.check('bob', 'some-token-0123456789'), { ok: false, reason: 'client id bob is not registered' });
  assert.deepEqual(auth.check('alice', signClientToken(secret, 'alice')), { ok: true });
});

test('the HMAC secret can come from the environment variable the config names', () => {
  process.env.GEOFED_TEST_SECRET = secret;
  const auth = createAuthenticator({ hmacSecretEnv: 'GEOFED_TEST_SECRET' });
  assert.deepEqual(auth.check('alice', signClientToken(secret, 'alice')), { ok: true });
  delete process.env.GEOFED_TEST_SECRET;
  assert.throws(() => createAuthenticator({ hmacSecretEnv: 'GEOFED_TEST_SECRET' }), /GEOFED_TEST_SECRET, which is not set/);
});
