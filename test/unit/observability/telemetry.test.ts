import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readSettings } from '@jussi/proxy/config/env';
import type { Settings } from '@jussi/proxy/config/settings';
import { startObservability } from '@jussi/proxy/observability/telemetry';
import { noopMetrics, noopTracer } from '@jussi/proxy/observability/types';
import { parseExposition, value } from './prom-text.js';

function settings(env: Record<string, string>): Settings {
  const result = readSettings(env);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.settings;
}

describe('startObservability', () => {
  it('builds logger, metrics, no-op tracer and access log from the settings', async () => {
    const lines: Record<string, unknown>[] = [];
    const obs = await startObservability(settings({ LOG_ACCESS_SAMPLE_RATE: '1', SOURCE_COMMIT: 'abc', DOCKER_TAG: 't' }), {
      version: '1.2.3',
      worker: 2,
      providers: { configHash: () => 'h' },
      logger: { stdout: { write: (l: string) => lines.push(JSON.parse(l) as Record<string, unknown>) } },
    });
    assert.ok(obs.metrics !== null);
    assert.equal(obs.telemetry.metrics, obs.metrics);
    assert.equal(obs.telemetry.tracer.enabled, false, 'no OTLP endpoint: tracing off');
    assert.equal(obs.tracer.startRequest(undefined, undefined), noopTracer.startRequest(undefined, undefined));

    obs.telemetry.metrics.configReload('success');
    const e = parseExposition((await obs.metrics.source().scrape()).body);
    assert.equal(value(e, 'jussi_config_reloads_total', { result: 'success' }), 1);
    assert.equal(value(e, 'jussi_config_info', { hash: 'h' }), 1);
    assert.equal(value(e, 'jussi_build_info', { version: '1.2.3', source_commit: 'abc', docker_tag: 't' }), 1);

    obs.accessLog.log({ request_id: 'r1', duration_ms: 2 });
    obs.telemetry.logger.debug({}, 'not at INFO');
    await obs.shutdown();
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.['request_id'], 'r1');
    assert.equal(lines[0]?.['worker'], 2);
  });

  it('uses the no-op metrics when PROMETHEUS_ENABLED is false', async () => {
    const obs = await startObservability(settings({ PROMETHEUS_ENABLED: 'false' }), { logger: { stdout: { write: () => {} } } });
    assert.equal(obs.metrics, null);
    assert.equal(obs.telemetry.metrics, noopMetrics);
    await obs.shutdown();
  });
});
