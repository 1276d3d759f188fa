// The committed JSON Schema of the spec format (docs/spec.schema.json), read
// as editors read it (JSON Schema 2020-12, here with Ajv): every spec that
// gatesmith accepts is valid, and the mistakes gatesmith reports as unknown
// keys, wrong types or bad values are flagged by the schema too.
//
// Run with: node --test spec-schema.test.mjs (from tests/node)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import YAML from 'yaml';

const ROOT = join(import.meta.dirname, '..', '..');
const schema = JSON.parse(readFileSync(join(ROOT, 'docs', 'spec.schema.json'), 'utf8'));
const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);
// Editors flag duplicate keys themselves; here they must not stop the parse.
const load = (path) => YAML.parse(readFileSync(path, 'utf8'), { uniqueKeys: false });

test('every spec in specs/ is valid', () => {
  const dir = join(ROOT, 'specs');
  const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
  assert.ok(files.length > 0);
  for (const file of files) {
    const ok = validate(load(join(dir, file)));
    assert.ok(ok, `${file}: ${JSON.stringify(validate.errors, null, 2)}`);
  }
});

test('the spec with one mistake of each kind is invalid where the shape is wrong', () => {
  const spec = load(join(ROOT, 'cli', 'tests', 'specs', 'every-mistake.yaml'));
  assert.equal(validate(spec), false);
  const seen = validate.errors.map((e) => `${e.instancePath} ${e.keyword} ${JSON.stringify(e.params)}`);
  const expect = (pattern) =>
    assert.ok(seen.some((line) => pattern.test(line)), `${pattern} not in:\n${seen.join('\n')}`);
  expect(/^\/events\/placeOrder additionalProperties \{"additionalProperty":"acks"\}/);
  expect(/^\/events\/cancel\/emit\/0\/to enum/);
  expect(/^\/events\/refund\/emit type/);
});

test('the lesson spec with a misspelt key is invalid, naming the key', () => {
  const spec = load(join(ROOT, 'specs', 'aaa.yaml'));
  spec.events.createAaa.acks = spec.events.createAaa.ack;
  delete spec.events.createAaa.ack;
  assert.equal(validate(spec), false);
  assert.ok(
    validate.errors.some((e) => e.params.additionalProperty === 'acks'),
    JSON.stringify(validate.errors),
  );
});

test('delays are checked as gatesmith reads them (the one-hour cap is gatesmith\'s alone)', () => {
  const spec = (after) => ({ gateway: 'g', events: { e: { reply: [{ event: 'x', after }] } } });
  for (const good of ['500ms', '2s', '1.5s', '1m', '1h']) {
    assert.ok(validate(spec(good)), `${good}: ${JSON.stringify(validate.errors)}`);
  }
  for (const bad of ['2 sec', '-1s', '2', 's', '1e3s']) {
    assert.equal(validate(spec(bad)), false, bad);
  }
});
