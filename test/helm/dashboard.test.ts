// The Grafana dashboard shipped in dashboards/jussi.json: valid JSON, every query uses only
// metric names the programs export, and every metric the issue names has a panel.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { chartDir, findObject, renderObjects } from './support/helm.js';
import { asArray, asRecord } from './support/objects.js';

/** The metric families the dashboard may use (proxy README "Metrics", operator controller metrics). */
const METRICS = [
  'jussi_requests_total', 'jussi_request_duration_seconds', 'jussi_cache_operations_total', 'jussi_cache_hit_ratio',
  'jussi_upstream_requests_total', 'jussi_upstream_errors_total', 'jussi_websocket_pool_active',
  'jussi_last_irreversible_block_num', 'jussi_config_reloads_total',
  'controller_runtime_reconcile_total', 'controller_runtime_reconcile_errors_total', 'leader_election_master_status',
];
const HISTOGRAM_SUFFIXES = ['_bucket', '_sum', '_count'];

const PROMQL_WORDS = new Set(['sum', 'by', 'rate', 'increase', 'histogram_quantile', 'topk', 'avg', 'max', 'min', 'le', 'without', 'on', 'ignoring']);

/** Identifiers in a PromQL expression that name series (not functions, labels or keywords). */
function seriesNames(expr: string): string[] {
  const withoutMatchers = expr.replace(/\{[^}]*\}/g, '').replace(/\[[^\]]*\]/g, '').replace(/by \([^)]*\)/g, '');
  return (withoutMatchers.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? []).filter((w) => !PROMQL_WORDS.has(w));
}

function family(name: string): string {
  const suffix = HISTOGRAM_SUFFIXES.find((s) => name.endsWith(s));
  return suffix !== undefined && METRICS.includes(name.slice(0, -suffix.length)) ? name.slice(0, -suffix.length) : name;
}

const text = readFileSync(join(chartDir, 'dashboards', 'jussi.json'), 'utf8');
const dashboard = asRecord(JSON.parse(text));
const exprs = asArray(dashboard['panels']).flatMap((p) => asArray(asRecord(p)['targets']).map((t) => String(asRecord(t)['expr'])));

describe('Grafana dashboard', () => {
  it('is a dashboard with panels, a datasource variable and a stable uid', () => {
    assert.equal(dashboard['uid'], 'jussi-overview');
    assert.ok(exprs.length >= 12);
    const variables = asArray(asRecord(dashboard['templating'])['list']).map((v) => asRecord(v)['name']);
    assert.deepEqual(variables, ['datasource', 'job', 'operator_job']);
  });

  it('queries only metric names the programs export', () => {
    const unknown = exprs.flatMap(seriesNames).map(family).filter((n) => !METRICS.includes(n));
    assert.deepEqual([...new Set(unknown)], []);
  });

  it('has a panel for every metric named in the issue', () => {
    const used = new Set(exprs.flatMap(seriesNames).map(family));
    assert.deepEqual(METRICS.filter((m) => !used.has(m)), []);
  });

  it('is shipped verbatim in the dashboard ConfigMap when dashboards.enabled', () => {
    const cm = findObject(renderObjects({ set: { 'dashboards.enabled': true } }), 'ConfigMap', 'jussi-dashboard');
    assert.ok(cm);
    assert.equal(cm.metadata.labels?.['grafana_dashboard'], '1');
    assert.deepEqual(JSON.parse(String(asRecord(cm['data'])['jussi.json'])), dashboard);
    assert.equal(findObject(renderObjects(), 'ConfigMap', 'jussi-dashboard'), undefined);
  });
});
