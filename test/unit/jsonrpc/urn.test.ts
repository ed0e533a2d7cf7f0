import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ValidItem } from '@jussi/proxy/jsonrpc/items';
import { parseBodyText } from '@jussi/proxy/jsonrpc/parse';
import type { JsonRpcRequest, Urn } from '@jussi/proxy/jsonrpc/types';
import { buildUrn, invalidRequestFrom, parseUrn, type UrnResult, urnKey } from '@jussi/proxy/jsonrpc/urn';

function item(method: string, params?: string): ValidItem {
  const body = `{"id":1,"jsonrpc":"2.0","method":${JSON.stringify(method)}${params === undefined ? '' : `,"params":${params}`}}`;
  const parsed = parseBodyText(body);
  assert.ok(parsed.kind === 'single' && parsed.item.ok, body);
  return parsed.item;
}

function urnOf(method: string, params?: string): Urn {
  const result = parseUrn(item(method, params));
  assert.ok(result.ok, `${method} ${params ?? ''}: ${result.ok ? '' : `${result.error.message} (${result.error.reason ?? ''})`}`);
  return result.urn;
}

function failure(method: string, params?: string): Extract<UrnResult, { ok: false }> {
  const result = parseUrn(item(method, params));
  assert.ok(!result.ok, `${method} ${params ?? ''} parsed as ${result.ok ? result.urn.key : ''}`);
  return result;
}

describe('URN parts for every method form (reference §2)', () => {
  // [method, params text or undefined (absent), namespace, api (undefined = absent), method, key]
  const table: Array<[string, string | undefined, string, string | undefined, string, string]> = [
    ['condenser_api.get_block', '[1]', 'appbase', 'condenser_api', 'get_block', 'appbase.condenser_api.get_block.params=[1]'],
    ['tags_api.get_tags_used_by_author', '{"author":"ste emit"}', 'appbase', 'tags_api', 'get_tags_used_by_author', 'appbase.tags_api.get_tags_used_by_author.params={"author":"ste emit"}'],
    ['appbase_api.appbase_method', undefined, 'appbase', 'appbase_api', 'appbase_method', 'appbase.appbase_api.appbase_method'],
    ['jsonrpc.get_methods', undefined, 'appbase', 'jsonrpc', 'get_methods', 'appbase.jsonrpc.get_methods'],
    ['jsonrpc.get_methods', '{}', 'appbase', 'jsonrpc', 'get_methods', 'appbase.jsonrpc.get_methods.params={}'],
    ['jsonrpc.x.get_methods', undefined, 'appbase', 'jsonrpc', 'get_methods', 'appbase.jsonrpc.get_methods'],
    ['namespace.method', '[]', 'namespace', undefined, 'method', 'namespace.method.params=[]'],
    ['steemd.get_block', '[1]', 'steemd', undefined, 'get_block', 'steemd.get_block.params=[1]'],
    ['namespace.api.method', '{}', 'namespace', 'api', 'method', 'namespace.api.method.params={}'],
    ['a_api.b.c', undefined, 'a_api', 'b', 'c', 'a_api.b.c'],
    ['sbds.count_operations', '{"x":1}', 'sbds', undefined, 'count_operations', 'sbds.count_operations.params={"x":1}'],
    ['get_block', '[1000]', 'steemd', 'database_api', 'get_block', 'steemd.database_api.get_block.params=[1000]'],
    ['get_block', 'null', 'steemd', 'database_api', 'get_block', 'steemd.database_api.get_block.params=null'],
    ['get_dynamic_global_properties', undefined, 'steemd', 'database_api', 'get_dynamic_global_properties', 'steemd.database_api.get_dynamic_global_properties'],
    ['get_block\n', '[1]', 'steemd', 'database_api', 'get_block\n', 'steemd.database_api.get_block\n.params=[1]'],
    // call
    ['call', '["condenser_api","get_accounts",[["init_miner"]]]', 'appbase', 'condenser_api', 'get_accounts', 'appbase.condenser_api.get_accounts.params=[["init_miner"]]'],
    ['call', '["database_api","get_account_count",[]]', 'steemd', 'database_api', 'get_account_count', 'steemd.database_api.get_account_count.params=[]'],
    ['call', '["follow_api","get_followers",["steemit",null,"blog",10]]', 'steemd', 'follow_api', 'get_followers', 'steemd.follow_api.get_followers.params=["steemit",null,"blog",10]'],
    ['call', '["database_api","get_accounts",{"accounts":["steemit"]}]', 'appbase', 'database_api', 'get_accounts', 'appbase.database_api.get_accounts.params={"accounts":["steemit"]}'],
    ['call', '["jsonrpc","get_methods",{}]', 'appbase', 'jsonrpc', 'get_methods', 'appbase.jsonrpc.get_methods.params={}'],
    ['call', '["jsonrpc","get_methods",[]]', 'appbase', 'jsonrpc', 'get_methods', 'appbase.jsonrpc.get_methods.params=[]'],
    ['call', '["jsonrpc","get_methods"]', 'appbase', 'jsonrpc', 'get_methods', 'appbase.jsonrpc.get_methods'],
    ['call', '["appbase_api","appbase_method"]', 'appbase', 'appbase_api', 'appbase_method', 'appbase.appbase_api.appbase_method'],
    ['call', '["x","m","s"]', 'steemd', 'x', 'm', 'steemd.x.m.params="s"'],
    ['call', '["x","m",null]', 'steemd', 'x', 'm', 'steemd.x.m.params=null'],
    ['call', '["x","",[]]', 'steemd', 'x', '', 'steemd.x..params=[]'],
    // numeric apis, Python tuple indexing, Python bools are ints
    ['call', '[0,"get_account_count",[]]', 'steemd', 'database_api', 'get_account_count', 'steemd.database_api.get_account_count.params=[]'],
    ['call', '[1,"login",["",""]]', 'steemd', 'login_api', 'login', 'steemd.login_api.login.params=["",""]'],
    ['call', '[-1,"login",["",""]]', 'steemd', 'login_api', 'login', 'steemd.login_api.login.params=["",""]'],
    ['call', '[-2,"m",[]]', 'steemd', 'database_api', 'm', 'steemd.database_api.m.params=[]'],
    ['call', '[-0,"m",[]]', 'steemd', 'database_api', 'm', 'steemd.database_api.m.params=[]'],
    ['call', '[0,"find_accounts",{}]', 'appbase', 'database_api', 'find_accounts', 'appbase.database_api.find_accounts.params={}'],
    ['call', '[true,"m",[]]', 'steemd', 'login_api', 'm', 'steemd.login_api.m.params=[]'],
    ['call', '[false,"m"]', 'appbase', 'database_api', 'm', 'appbase.database_api.m'],
    ['call', '["0","m",[]]', 'steemd', '0', 'm', 'steemd.0.m.params=[]'],
    // call with object params: Python unpacks the keys, in the client's order
    ['call', '{"b":1,"a":2}', 'appbase', 'b', 'a', 'appbase.b.a'],
    ['call', '{"condenser_api":1,"m":2,"p":3}', 'appbase', 'condenser_api', 'm', 'appbase.condenser_api.m.params="p"'],
    ['call', '{"x":1,"m":2,"2":3}', 'steemd', 'x', 'm', 'steemd.x.m.params="2"'],
  ];
  for (const [method, params, namespace, api, m, key] of table) {
    it(`${method} ${params ?? '(no params)'} -> ${key}`, () => {
      const urn = urnOf(method, params);
      assert.equal(urn.namespace, namespace);
      assert.equal(urn.api, api);
      assert.equal(urn.method, m);
      assert.equal(urn.key, key);
      const paramsPart = key.includes('.params=') ? key.slice(key.indexOf('.params=') + 8) : undefined;
      assert.equal(urn.paramsText, paramsPart);
      assert.equal(urn.hasParams, paramsPart !== undefined);
    });
  }

  it('the URN params value has the top-level keys sorted', () => {
    const urn = urnOf('database_api.find_accounts', '{"z":1,"accounts":["a"],"b":{"y":1,"x":2},"__proto__":5}');
    assert.deepEqual(Object.keys(urn.params as object), ['__proto__', 'accounts', 'b', 'z']);
    assert.deepEqual(Object.keys((urn.params as { b: object }).b), ['y', 'x']);
    assert.equal(Object.getPrototypeOf(urn.params), Object.prototype);
  });

  it('works from a request value alone (no raw text)', () => {
    const request: JsonRpcRequest = { jsonrpc: '2.0', id: 1, method: 'call', params: ['condenser_api', 'get_block', [5]] };
    const result = parseUrn({ request });
    assert.ok(result.ok);
    if (result.ok) assert.equal(result.urn.key, 'appbase.condenser_api.get_block.params=[5]');
    const bare = parseUrn({ request: { jsonrpc: '2.0', method: 'get_config' } });
    assert.ok(bare.ok && bare.urn.key === 'steemd.database_api.get_config' && !bare.urn.hasParams);
  });
});

describe('URN errors (surfaced as -32600 by the pipeline)', () => {
  // [method, params, kind, message]
  const table: Array<[string, string | undefined, string, string]> = [
    ['a.b.c.d', undefined, 'InvalidNamespace', 'Invalid JSONRPC method namespace a.b.c.d'],
    ['', undefined, 'InvalidNamespace', 'Invalid JSONRPC method namespace '],
    ['.......', '[2,"get_account_count",[]]', 'InvalidNamespace', 'Invalid JSONRPC method namespace .......'],
    ['.get_block', undefined, 'InvalidNamespace', 'Invalid JSONRPC method namespace .get_block'],
    ['get_block.', undefined, 'InvalidNamespace', 'Invalid JSONRPC method namespace get_block.'],
    ['a..b', undefined, 'InvalidNamespace', 'Invalid JSONRPC method namespace a..b'],
    ['call', undefined, 'InvalidNamespace', 'Invalid JSONRPC method namespace call'],
    ['call', 'null', 'InvalidNamespace', 'Invalid JSONRPC method namespace call'],
    ['call', '[]', 'InvalidNamespace', 'Invalid JSONRPC method namespace call'],
    ['call', '["condenser_api"]', 'InvalidNamespace', 'Invalid JSONRPC method namespace call'],
    ['call', '["a","b",[],"d"]', 'InvalidNamespace', 'Invalid JSONRPC method namespace call'],
    ['call', '{"a":1}', 'InvalidNamespace', 'Invalid JSONRPC method namespace call'],
    ['call', '[null,"m",[]]', 'InvalidNamespace', 'Invalid JSONRPC method namespace call'],
    ['call', '[1.0,"m",[]]', 'InvalidNamespace', 'Invalid JSONRPC method namespace call'],
    ['call', '[1.5,"m",[]]', 'InvalidNamespace', 'Invalid JSONRPC method namespace call'],
    ['call', '["condenser_api",5,[]]', 'InvalidNamespace', 'Invalid JSONRPC method namespace call'],
    ['call', '[2,"get_account_count",[]]', 'InvalidNamespaceApi', 'Invalid JSONRPC method namespace, unable to resolve steemd.2'],
    ['call', '[-3,"x",[]]', 'InvalidNamespaceApi', 'Invalid JSONRPC method namespace, unable to resolve steemd.-3'],
    ['call', '[2,"login",["",""]]', 'InvalidNamespaceApi', 'Invalid JSONRPC method namespace, unable to resolve steemd.2'],
    ['call', '[100000000000000000000,"m",[]]', 'InvalidNamespaceApi', 'Invalid JSONRPC method namespace, unable to resolve steemd.100000000000000000000'],
  ];
  for (const [method, params, kind, message] of table) {
    it(`${JSON.stringify(method)} ${params ?? ''} -> ${kind}`, () => {
      const { error } = failure(method, params);
      assert.equal(error.kind, kind);
      assert.equal(error.code, kind === 'InvalidNamespace' ? 1200 : 1300);
      assert.equal(error.message, message);
      assert.ok((error.reason ?? '').length > 0);
    });
  }

  it('invalidRequestFrom keeps the cause as the reason', () => {
    const { error } = failure('call', '[2,"m",[]]');
    const wrapped = invalidRequestFrom(error);
    assert.equal(wrapped.code, -32600);
    assert.equal(wrapped.message, 'Invalid Request');
    assert.match(wrapped.reason ?? '', /^Invalid JSONRPC method namespace, unable to resolve steemd\.2: numeric api 2/);
  });
});

describe('URN strings are jussi\'s byte for byte (reference §3)', () => {
  // [params text as the client sent it, URN params text]
  const table: Array<[string, string]> = [
    ['{"z":"val1","a":[],"f":1}', '{"a":[],"f":1,"z":"val1"}'],
    ['{"b":1,"10":2,"9":3}', '{"10":2,"9":3,"b":1}'],
    ['{"b":{"b":1,"10":2,"9":3}}', '{"b":{"b":1,"10":2,"9":3}}'],
    ['[{"tag":"steem","limit":1}]', '[{"tag":"steem","limit":1}]'],
    ['{"a":1,"b":2,"a":3}', '{"a":3,"b":2}'],
    ['{"b":1,"a":2,"b":3}', '{"a":2,"b":3}'],
    ['[{"x":1,"y":2,"x":3}]', '[{"x":3,"y":2}]'],
    ['{"\\u0062":1,"a":2}', '{"a":2,"b":1}'],
    ['{"\uffff":1,"😀":2,"\ue000":3}', '{"\ue000":3,"\uffff":1,"😀":2}'],
    ['["/@justinw/transfers"]', '["\\/@justinw\\/transfers"]'],
    ['["\\/a"]', '["\\/a"]'],
    ['["又遲到 了分"]', '["又遲到 了分"]'],
    ['["\\u53c8\\u9072"]', '["又遲"]'],
    ['["\\ud83d\\ude00"]', '["😀"]'],
    ['["\\u0001\\u001f\\b\\f\\n\\r\\t\\"\\\\"]', '["\\u0001\\u001f\\b\\f\\n\\r\\t\\"\\\\"]'],
    ['["\u2028\u2029\u007f"]', '["\u2028\u2029\u007f"]'],
    ['["\\ud800"]', '["\\ud800"]'],
    ['[1.0, 1.5, -0.0, 0.0, 100.00]', '[1.0,1.5,-0.0,0.0,100.0]'],
    ['[1e16, 1E16, 1e15, 1.5e-7, 1e-5, 0.0001, 1e22]', '[1e+16,1e+16,1000000000000000.0,1.5e-7,1e-5,0.0001,1e+22]'],
    ['[0.1, 0.30000000000000004, 2.5e-308, 5e-324, 1.7976931348623157e308]', '[0.1,0.30000000000000004,2.5e-308,5e-324,1.7976931348623157e+308]'],
    ['[1e-400, -1e-400]', '[0.0,-0.0]'],
    ['[-0, 0, -5, 9007199254740993, 123456789012345678901234567890, -98765432109876543210]', '[0,0,-5,9007199254740993,123456789012345678901234567890,-98765432109876543210]'],
    ['[true, false, null, [], {}]', '[true,false,null,[],{}]'],
    [' [ 1 , { "a" : [ 2 ] } ] ', '[1,{"a":[2]}]'],
  ];
  for (const [params, text] of table) {
    it(`${params} -> ${text}`, () => {
      const urn = urnOf('namespace.method', params);
      assert.equal(urn.paramsText, text);
      assert.equal(urn.key, `namespace.method.params=${text}`);
    });
  }

  it('the params of a call are the third element, spelled from its own raw text', () => {
    const urn = urnOf('call', '["condenser_api","get_x",{"b":1.0,"10":[1e16],"a":{"2":0,"1":1}}]');
    assert.equal(urn.key, 'appbase.condenser_api.get_x.params={"10":[1e+16],"a":{"2":0,"1":1},"b":1.0}');
  });
});

describe('buildUrn (appbase translation)', () => {
  it('builds the translated URN from an original one', () => {
    const original = urnOf('get_discussions_by_trending', '[{"tag":"steem","limit":1.0}]');
    const translated = buildUrn({
      namespace: 'appbase',
      api: 'condenser_api',
      method: original.method,
      params: original.params ?? [],
      paramsText: original.paramsText ?? '[]',
    });
    assert.equal(translated.key, 'appbase.condenser_api.get_discussions_by_trending.params=[{"tag":"steem","limit":1.0}]');
    assert.equal(translated.hasParams, true);
  });

  it('computes the params text from the value when not given, and omits absent params', () => {
    assert.equal(buildUrn({ namespace: 'appbase', api: 'condenser_api', method: 'm', params: { b: 1, a: '/' } }).key, 'appbase.condenser_api.m.params={"a":"\\/","b":1}');
    const none = buildUrn({ namespace: 'steemd', api: undefined, method: 'm' });
    assert.equal(none.key, 'steemd.m');
    assert.equal(none.hasParams, false);
    assert.equal(none.paramsText, undefined);
    assert.equal(buildUrn({ namespace: 'n', api: 'a', method: 'm', params: null }).key, 'n.a.m.params=null');
  });

  it('urnKey joins the present parts', () => {
    assert.equal(urnKey('a', undefined, 'm', undefined), 'a.m');
    assert.equal(urnKey('a', 'b', 'm', '[]'), 'a.b.m.params=[]');
  });
});

describe('URN errors stay readable', () => {
  it('a long method is cut in the Invalid Request reason', () => {
    const { error } = failure(`${'a.'.repeat(5000)}b`);
    const reason = invalidRequestFrom(error).reason ?? '';
    assert.ok(reason.length <= 303 && reason.endsWith('...'), `${reason.length}`);
  });

  it('a call with a large object as params is unpacked in linear time', () => {
    const params = `{${Array.from({ length: 50_000 }, (_, i) => `"k${i}":${i}.5`).join(',')}}`;
    const { error } = failure('call', params);
    assert.equal(error.kind, 'InvalidNamespace');
  });
});
