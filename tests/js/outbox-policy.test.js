// What the outbox does with each upload response (js/outbox.js, policyFor): by status and the
// error's machine code, never by its sentence.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { policyFor, pollDelay, waitMessage } from '../../voiceguide/static/js/outbox.js';

test('accepted uploads are saved', () => {
  assert.equal(policyFor(201, undefined), 'saved');
  assert.equal(policyFor(202, undefined), 'saved');
  assert.equal(policyFor(200, undefined), 'saved');
});

test('a full disk or a busy server: the answer waits here, and the person is told why', () => {
  for (const [status, code] of [
    [507, 'insufficient_storage'],
    [507, undefined], // a proxy's page, no JSON
    [503, 'busy'],
    [503, 'database_busy'],
  ]) {
    assert.equal(policyFor(status, code), 'wait', `${status} ${code}`);
  }
  assert.match(waitMessage('insufficient_storage', 8), /storage is full.*kept on this device.*8 s/);
  assert.match(waitMessage('busy', 5), /busy.*kept on this device/);
  assert.match(waitMessage(undefined, 2), /Could not reach the server/);
});

test('a busy or failing server is tried again later', () => {
  for (const [status, code] of [
    [500, 'server_error'],
    [503, 'engine_unavailable'],
    [502, undefined], // a proxy's page, no JSON
    [429, 'rate_limited'],
    [408, undefined],
  ]) {
    assert.equal(policyFor(status, code), 'retry', `${status} ${code}`);
  }
});

test('an expired security token is renewed, whatever the sentence says', () => {
  assert.equal(policyFor(400, 'csrf_expired'), 'renew-token');
});

test('signed out or not allowed: kept on this device', () => {
  assert.equal(policyFor(401, 'sign_in_required'), 'hold');
  assert.equal(policyFor(403, 'forbidden'), 'hold');
});

test('a problem with the answer itself is refused, not kept forever', () => {
  for (const [status, code] of [
    [400, 'bad_request'],
    [400, 'empty_recording'],
    [404, 'not_found'],
    [409, 'conflict'],
    [413, 'too_large'],
    [415, 'unsupported_format'],
    [422, 'undecodable'],
    [422, 'too_long'],
  ]) {
    assert.equal(policyFor(status, code), 'refuse', `${status} ${code}`);
  }
});

test('a 400 without the csrf code is not mistaken for an expired token', () => {
  assert.notEqual(policyFor(400, undefined), 'renew-token');
  assert.notEqual(policyFor(400, 'bad_request'), 'renew-token');
});

test('a full journal keeps the answer on this device (never a refusal that drops it)', () => {
  assert.equal(policyFor(413, 'quota_exceeded'), 'hold');
  assert.equal(policyFor(413, 'too_large'), 'refuse');
});

test('a transcript is asked for often while it should come soon, then less and less', () => {
  let wait = 0;
  const waits = [];
  for (let elapsed = 0; elapsed < 40000; elapsed += wait) {
    wait = pollDelay(elapsed, wait);
    waits.push([elapsed, wait]);
  }
  // Within the first 15 s, never more than 0.4 s between asking: a transcript ready at 4 s
  // is seen by 4.4 s.
  assert.ok(waits.filter(([at]) => at < 15000).every(([, ms]) => ms === 400));
  // Then backing off, never beyond 3 s, never faster again.
  const later = waits.filter(([at]) => at >= 15000).map(([, ms]) => ms);
  assert.ok(
    later.length > 0 && later.every((ms, i) => ms > 400 && ms <= 3000 && ms >= (later[i - 1] ?? 0)),
  );
  assert.equal(later.at(-1), 3000);
});
