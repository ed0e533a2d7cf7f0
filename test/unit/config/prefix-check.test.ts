import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalParamsText, deadPrefixReason } from '@jussi/proxy/config/prefix-check';

// A prefix is live when some request's URN starts with its components; else the loader warns.
const LIVE = [
  'steemd',
  'steemd.database_api',
  'steemd.database_api.get_block',
  'steemd.get_block',
  'namespace.api.method.params=[666]',
  'namespace.method.params=[666]',
  'steemd.database_api.get_state.params=["\\/trending"]',
  'appbase.condenser_api.get_ops_in_block.params=[2889020,false]',
  'appbase.account_history_api.get_ops_in_block.params={"block_num":2889020,"only_virtual":false}',
  'appbase.condenser_api.get_block.params=null',
  'appbase.condenser_api.get_block.params=[1.0]',
  'appbase.condenser_api.get_block.params=[1.5e-7]',
  'appbase.condenser_api.get_block.params=[1e+16]',
  'appbase.condenser_api.x.params=["a.b.c"]',
  'appbase.condenser_api.x.params=["又"]',
  'appbase.condenser_api.x.params={"10":1,"9":2,"b":3}',
  'appbase.condenser_api.x.params=[{"z":1,"a":2}]',
];

const DEAD: [string, RegExp][] = [
  ["steemd.database_api.get_state.params=['/trending']", /did you mean params=\["\\\/trending"\]\?/],
  ["steemd.database_api.get_state.params=['trending']", /did you mean params=\["trending"\]\?/],
  ['steemd.database_api.get_state.params=["/trending"]', /URNs spell these params params=\["\\\/trending"\]/],
  ['a.b.c.params={"z":1,"a":2}', /params=\{"a":2,"z":1\}/],
  ['a.b.c.params=[1e5]', /params=\[100000\.0\]/],
  ['a.b.c.params=[1.5e-07]', /params=\[1\.5e-7\]/],
  ['a.b.c.params=[ 1 ]', /params=\[1\]/],
  ['a.b.c.params=[-0]', /params=\[0\]/],
  ['a.b.c.params={"a":1,"a":2}', /params=\{"a":2\}/],
  ['a.b.c.params=[1].x', /not JSON params/],
  ['a.b.c.params=1', /not JSON params/],
  ['a.b.c.params=false', /not JSON params/],
  ['a.b.c.params="x"', /not JSON params/],
  ['a.b.c.params=[1e999]', /not JSON params/],
  ['a.b.c.d', /4 components before any "params="/],
  ['a.b.c.d.params=[1]', /4 components/],
  ['', /empty component/],
  ['steemd.', /empty component/],
  ['.steemd', /empty component/],
  ['steemd..get_block', /empty component/],
];

describe('dead prefix detection', () => {
  for (const p of LIVE) {
    it(`live: ${p}`, () => assert.equal(deadPrefixReason(p), null));
  }
  for (const [p, why] of DEAD) {
    it(`dead: ${p || '(empty)'}`, () => {
      const reason = deadPrefixReason(p);
      assert.ok(reason !== null, 'expected a reason');
      assert.match(reason, why);
      assert.match(reason, /can never match/);
    });
  }

  it('does not choke on absurdly deep params', () => {
    assert.equal(canonicalParamsText(`${'['.repeat(100_000)}${']'.repeat(100_000)}`), null);
    assert.match(deadPrefixReason(`a.b.c.params=${'['.repeat(100_000)}${']'.repeat(100_000)}`) ?? '', /not JSON params/);
  });
});
