import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfigDocument } from '@jussi/proxy/config/load';
import { parseBodyText } from '@jussi/proxy/jsonrpc/parse';
import type { JsonRpcRequest, Urn } from '@jussi/proxy/jsonrpc/types';
import { ujsonText, type JsonSlice } from '@jussi/proxy/jsonrpc/ujson';
import { parseUrn } from '@jussi/proxy/jsonrpc/urn';
import { resolveItem } from '@jussi/proxy/routing/resolve';
import { buildRoutingTable } from '@jussi/proxy/routing/routing-table';
import { translateToAppbase } from '@jussi/proxy/routing/translate';

/** A request body text through the real parser and URN. */
function parsed(body: string): { request: JsonRpcRequest; params: JsonSlice | undefined; urn: Urn } {
  const b = parseBodyText(body);
  assert.ok(b.kind === 'single' && b.item.ok, JSON.stringify(b));
  const u = parseUrn({ request: b.item.request, params: b.item.params });
  assert.ok(u.ok, JSON.stringify(u));
  return { request: b.item.request, params: b.item.params, urn: u.urn };
}

describe('appbase translation', () => {
  const cases: { name: string; body: string; request: Record<string, unknown>; key: string; text: string }[] = [
    {
      name: 'list params',
      body: '{"id":1,"jsonrpc":"2.0","method":"get_block","params":[1000]}',
      request: { id: 1, jsonrpc: '2.0', method: 'call', params: ['condenser_api', 'get_block', [1000]] },
      key: 'appbase.condenser_api.get_block.params=[1000]',
      text: '["condenser_api","get_block",[1000]]',
    },
    {
      name: 'absent params become []',
      body: '{"id":"a","jsonrpc":"2.0","method":"get_dynamic_global_properties"}',
      request: { id: 'a', jsonrpc: '2.0', method: 'call', params: ['condenser_api', 'get_dynamic_global_properties', []] },
      key: 'appbase.condenser_api.get_dynamic_global_properties.params=[]',
      text: '["condenser_api","get_dynamic_global_properties",[]]',
    },
    {
      name: 'null params stay null',
      body: '{"id":null,"jsonrpc":"2.0","method":"get_block","params":null}',
      request: { id: null, jsonrpc: '2.0', method: 'call', params: ['condenser_api', 'get_block', null] },
      key: 'appbase.condenser_api.get_block.params=null',
      text: '["condenser_api","get_block",null]',
    },
    {
      name: 'no id stays without id (notification)',
      body: '{"jsonrpc":"2.0","method":"get_block","params":[1]}',
      request: { jsonrpc: '2.0', method: 'call', params: ['condenser_api', 'get_block', [1]] },
      key: 'appbase.condenser_api.get_block.params=[1]',
      text: '["condenser_api","get_block",[1]]',
    },
    {
      name: 'object params: top-level keys sorted, nested order and number spelling kept',
      body: '{"id":1,"jsonrpc":"2.0","method":"steemd.get_x","params":{"z":{"b":1.0,"a":2},"a":"/p"}}',
      request: { id: 1, jsonrpc: '2.0', method: 'call', params: ['condenser_api', 'get_x', { a: '/p', z: { b: 1, a: 2 } }] },
      key: 'appbase.condenser_api.get_x.params={"a":"\\/p","z":{"b":1.0,"a":2}}',
      text: '["condenser_api","get_x",{"a":"\\/p","z":{"b":1.0,"a":2}}]',
    },
    {
      name: 'the original api is dropped',
      body: '{"id":7,"jsonrpc":"2.0","method":"call","params":["login_api","login",["",""]]}',
      request: { id: 7, jsonrpc: '2.0', method: 'call', params: ['condenser_api', 'login', ['', '']] },
      key: 'appbase.condenser_api.login.params=["",""]',
      text: '["condenser_api","login",["",""]]',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const p = parsed(c.body);
      const t = translateToAppbase(p.request, p.urn);
      assert.deepEqual({ ...t.request }, c.request);
      assert.equal(Object.prototype.hasOwnProperty.call(t.request, 'id'), Object.prototype.hasOwnProperty.call(c.request, 'id'));
      assert.equal(t.urn.key, c.key);
      assert.equal(t.urn.namespace, 'appbase');
      assert.equal(t.urn.api, 'condenser_api');
      assert.equal(t.params.raw, c.text);
      assert.equal(ujsonText(t.params, false), c.text, 'the raw text is already in ujson form');
      assert.deepEqual(t.params.value, c.request['params']);
    });
  }
});

describe('resolving an item (route, translate, route again)', () => {
  function tableOf(doc: unknown) {
    const r = loadConfigDocument(JSON.stringify(doc));
    assert.ok(r.ok);
    return buildRoutingTable(r.config, { accountTransferUrl: null, responseTimeoutMs: 65_000 });
  }
  const both = tableOf({
    upstreams: [
      { name: 'steemd', translate_to_appbase: true, urls: [['steemd', 'https://s.example']], ttls: [['steemd', 1]], timeouts: [] },
      { name: 'appbase', urls: [['appbase', 'https://a.example']], ttls: [['appbase.condenser_api.get_block', -2]], timeouts: [['appbase', 3]] },
    ],
  });

  it('translates and routes by the translated URN', () => {
    const p = parsed('{"id":1,"jsonrpc":"2.0","method":"get_block","params":[5]}');
    const r = resolveItem(both, p.request, p.params, p.urn);
    assert.ok(r.ok);
    assert.equal(r.item.translatedFrom?.key, 'steemd.database_api.get_block.params=[5]');
    assert.equal(r.item.urn.key, 'appbase.condenser_api.get_block.params=[5]');
    assert.deepEqual(r.item.route.urls, ['https://a.example']);
    assert.equal(r.item.route.ttl, -2);
    assert.equal(r.item.route.timeout.configured, 3);
  });

  it('leaves other namespaces alone', () => {
    const p = parsed('{"id":1,"jsonrpc":"2.0","method":"block_api.get_block","params":{"block_num":5}}');
    const r = resolveItem(both, p.request, p.params, p.urn);
    assert.ok(r.ok);
    assert.equal(r.item.translatedFrom, null);
    assert.equal(r.item.request, p.request);
    assert.equal(r.item.params, p.params);
  });

  it('needs the original namespace routable, as jussi does', () => {
    const onlyAppbase = tableOf({
      upstreams: [{ name: 'appbase', urls: [['appbase', 'https://a.example']], ttls: [], timeouts: [] }],
    });
    const p = parsed('{"id":1,"jsonrpc":"2.0","method":"get_block","params":[5]}');
    const r = resolveItem(onlyAppbase, p.request, p.params, p.urn);
    assert.ok(!r.ok);
    assert.equal(r.error.code, -32600);
    assert.match(r.error.reason ?? '', /namespace "steemd"/);
  });

  it('says so when the translated URN is not routable', () => {
    const noAppbase = tableOf({
      upstreams: [{ name: 'steemd', translate_to_appbase: true, urls: [['steemd', 'https://s.example']], ttls: [], timeouts: [] }],
    });
    const p = parsed('{"id":1,"jsonrpc":"2.0","method":"get_block","params":[5]}');
    const r = resolveItem(noAppbase, p.request, p.params, p.urn);
    assert.ok(!r.ok);
    assert.equal(r.error.code, -32600);
    assert.match(r.error.reason ?? '', /"steemd" requests are translated to appbase\.condenser_api, and no upstream serves namespace "appbase"/);
  });
});
