// The built `jussi` CLI as a real process: refuses to start on bad settings or an invalid
// config, drains in-flight requests on SIGTERM and exits 0, re-reads its config on SIGHUP,
// and runs as a cluster whose primary serves one merged /state and one aggregated scrape.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort, startFakeUpstream, waitFor, type FakeUpstream } from '../../support/fake-upstream/index.js';
import { CLI_PATH, rpc, spawnProxy, waitReady } from '../../support/proxy.js';
import { repoRoot } from '../../support/repo.js';

/** Whether something accepts connections on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function config(up: FakeUpstream, path = '/'): unknown {
  return { upstreams: [{ name: 'chain', urls: [['chain', up.httpUrl(path)]], ttls: [['chain', -1]], timeouts: [['chain', 10]] }] };
}

async function ports(): Promise<{ JUSSI_SERVER_PORT: string; JUSSI_ADMIN_PORT: string }> {
  return { JUSSI_SERVER_PORT: String(await freePort()), JUSSI_ADMIN_PORT: String(await freePort()) };
}

describe('the jussi process', () => {
  let up: FakeUpstream;
  before(async () => {
    up = await startFakeUpstream();
  });
  after(async () => {
    await up?.close();
  });

  it('exits non-zero with a message naming the problem for an invalid config', () => {
    const r = spawnSync(process.execPath, [CLI_PATH], {
      env: { ...process.env, JUSSI_UPSTREAM_CONFIG_FILE: '/nonexistent/config.json', JUSSI_SERVER_WORKERS: '1', JUSSI_SERVER_PORT: '0', JUSSI_ADMIN_PORT: '0' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /invalid config: .*\/nonexistent\/config\.json/);
  });

  it('exits non-zero naming the path of a schema problem', async () => {
    const p = await spawnProxy({ upstreams: [{ name: 'x', urls: [['x', 'http://a']], ttls: [['x', 'soon']], timeouts: [] }] }, await ports());
    const code = await p.exited;
    assert.equal(code, 1);
    assert.match(p.output.join('\n'), /\/upstreams\/0\/ttls\/0/);
  });

  it('exits 2 naming the variable for bad settings', () => {
    const r = spawnSync(process.execPath, [CLI_PATH], { env: { ...process.env, JUSSI_SERVER_PORT: 'ninety' }, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /JUSSI_SERVER_PORT="ninety": expected an integer/);
  });

  it('finishes in-flight requests on SIGTERM, then exits 0', async () => {
    up.on({ method: 'chain.slow' }, () => ({ result: 'done', delayMs: 1500 }));
    const p = await spawnProxy(config(up), { ...(await ports()), JUSSI_SHUTDOWN_GRACE: '10' });
    try {
      await waitReady(p);
      const inflight = Array.from({ length: 5 }, (_, i) => rpc(p.url, { jsonrpc: '2.0', id: i, method: 'chain.slow' }));
      await waitFor(() => up.count({ method: 'chain.slow' }) === 5, { timeoutMs: 20_000, message: 'requests reached the upstream' });
      p.child.kill('SIGTERM');
      const answers = await Promise.all(inflight);
      for (const a of answers) assert.equal((a.json as { result?: unknown }).result, 'done');
      assert.equal(await p.exited, 0);
      assert.match(p.output.join('\n'), /"message":"stopped"/);
    } finally {
      await p.stop();
    }
  });

  it('re-reads its config on SIGHUP', async () => {
    const p = await spawnProxy(config(up, '/first'), await ports());
    try {
      await waitReady(p);
      const before = (await (await fetch(`${p.adminUrl}/state`)).json()) as { configHash: string };
      // Write without waiting for the watcher, then signal: either path must deliver it.
      p.writeConfig(config(up, '/second'));
      p.child.kill('SIGHUP');
      await waitFor(async () => ((await (await fetch(`${p.adminUrl}/state`)).json()) as { configHash: string }).configHash !== before.configHash, { timeoutMs: 20_000 });
      const res = await rpc(p.url, { jsonrpc: '2.0', id: 1, method: 'chain.where' });
      assert.equal(((res.json as { result: { path: string } }).result).path, '/second');
    } finally {
      assert.equal(await p.stop(), 0);
    }
  });

  it('runs two workers behind one port, with a merged /state and an aggregated scrape', async () => {
    const p = await spawnProxy(config(up), { ...(await ports()), JUSSI_SERVER_WORKERS: '2' });
    try {
      await waitReady(p, 60_000);
      for (let i = 0; i < 20; i++) {
        const res = await rpc(p.url, { jsonrpc: '2.0', id: i, method: 'chain.ping' });
        assert.equal((res.json as { id: number }).id, i);
      }
      const state = (await (await fetch(`${p.adminUrl}/state`)).json()) as { workers: number; ready: boolean; configHash: string | null; upstreams: unknown[] };
      assert.equal(state.workers, 2);
      assert.equal(state.ready, true);
      assert.match(state.configHash ?? '', /^[0-9a-f]{64}$/);
      assert.equal(state.upstreams.length, 1);
      const scrape = await (await fetch(`${p.adminUrl}/metrics`)).text();
      const total = scrape
        .split('\n')
        .filter((l) => l.startsWith('jussi_requests_total{'))
        .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
      assert.equal(total, 20, 'the scrape sums both workers');
      const health = (await (await fetch(`${p.adminUrl}/health`)).json()) as { status: string };
      assert.equal(health.status, 'OK');
    } finally {
      assert.equal(await p.stop(), 0);
    }
  });

  /** Holds 127.0.0.1:port open until the returned function is called. */
  async function occupy(port: number): Promise<() => Promise<void>> {
    const { createServer } = await import('node:net');
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    return () => new Promise<void>((resolve) => server.close(() => resolve()));
  }

  const portTaken: readonly { what: string; workers: string; taken: 'JUSSI_SERVER_PORT' | 'JUSSI_ADMIN_PORT' }[] = [
    { what: 'the traffic port is in use (one worker)', workers: '1', taken: 'JUSSI_SERVER_PORT' },
    { what: 'the admin port is in use (one worker)', workers: '1', taken: 'JUSSI_ADMIN_PORT' },
    { what: 'the traffic port is in use (two workers)', workers: '2', taken: 'JUSSI_SERVER_PORT' },
    { what: 'the admin port is in use (two workers)', workers: '2', taken: 'JUSSI_ADMIN_PORT' },
  ];
  for (const c of portTaken) {
    it(`exits 1 with one line naming the address and ${c.taken} when ${c.what}, without a restart loop`, async () => {
      const env = await ports();
      const release = await occupy(Number(env[c.taken]));
      try {
        const p = await spawnProxy(config(up), { ...env, JUSSI_SERVER_WORKERS: c.workers });
        const code = await p.exited;
        const text = p.output.join('\n');
        assert.equal(code, 1, text);
        const lines = p.output.filter((l) => l.startsWith('jussi: '));
        assert.equal(lines.length, 1, text);
        assert.match(lines[0] ?? '', new RegExp(`^jussi: cannot listen on 127\\.0\\.0\\.1:${env[c.taken]}: the address is already in use \\(EADDRINUSE\\); set ${c.taken} to a free port$`));
        assert.doesNotMatch(text, /^\s+at /m, 'no stack trace');
        assert.doesNotMatch(text, /restarting it/, 'no worker restart');
      } finally {
        await release();
      }
    });
  }

  it('names the restarted worker in a `worker` field when a worker dies', async () => {
    const p = await spawnProxy(config(up), { ...(await ports()), JUSSI_SERVER_WORKERS: '2' });
    try {
      await waitReady(p, 60_000);
      const workerLine = await waitFor(() => p.output.map((l) => JSON.parse(l) as Record<string, unknown>).find((r) => typeof r['worker'] === 'number'), { message: 'a worker log line' });
      process.kill(Number(workerLine['pid']), 'SIGKILL');
      const restart = await waitFor(
        () => p.output.map((l) => JSON.parse(l) as Record<string, unknown>).find((r) => r['message'] === 'worker exited unexpectedly: restarting it'),
        { timeoutMs: 20_000, message: 'the restart line' },
      );
      assert.equal(restart['worker'], workerLine['worker']);
      assert.equal(restart['signal'], 'SIGKILL');
      assert.ok(!('field_worker' in restart));
      await waitReady(p, 60_000);
    } finally {
      assert.equal(await p.stop(), 0);
    }
  });

  it('with two workers, counts each config document once (both results) and answers probes with the pod\'s view', async () => {
    const { configHash } = await import('@jussi/proxy/config/load');
    const { renameSync } = await import('node:fs');
    const dead = await freePort();
    const docOf = (path: string): unknown => ({
      upstreams: [
        { name: 'chain', urls: [['chain', up.httpUrl(path)]], ttls: [['chain', -1]], timeouts: [['chain', 10]] },
        { name: 'dead', urls: [['dead', `http://127.0.0.1:${dead}/`]], ttls: [['dead', -1]], timeouts: [['dead', 5]] },
      ],
    });
    const p = await spawnProxy(docOf('/0'), { ...(await ports()), JUSSI_SERVER_WORKERS: '2' });
    const write = (doc: unknown): string => {
      const text = `${JSON.stringify(doc, null, 2)}\n`;
      writeFileSync(`${p.configPath}.tmp`, text);
      renameSync(`${p.configPath}.tmp`, p.configPath);
      return configHash(text);
    };
    const state = async (): Promise<{ configHash: string | null; lastReloadError: { hash: string | null } | null }> => (await fetch(`${p.adminUrl}/state`)).json() as never;
    const reloads = async (result: string): Promise<number> => {
      const scrape = await (await fetch(`${p.adminUrl}/metrics`)).text();
      const line = scrape.split('\n').find((l) => l.startsWith(`jussi_config_reloads_total{result="${result}"}`));
      return Number(line?.split(' ').at(-1));
    };
    try {
      await waitReady(p, 60_000);
      for (let i = 1; i <= 5; i++) {
        const hash = write({ upstreams: [{ name: `broken${i}`, urls: 'not a list', ttls: [], timeouts: [] }] });
        await waitFor(async () => (await state()).lastReloadError?.hash === hash, { timeoutMs: 20_000, message: `rejection ${i} seen` });
      }
      const hash = write(docOf('/1'));
      await waitFor(async () => (await state()).configHash === hash, { timeoutMs: 20_000, message: 'the valid document applied' });
      await waitFor(async () => (await reloads('failure')) === 5, { timeoutMs: 20_000, message: '5 failures counted once each' });
      assert.equal(await reloads('success'), 2, 'the first document and the valid one, once each');

      // One worker learns the dead upstream is unhealthy; every worker reports the pod's view.
      const { Agent, request } = await import('undici');
      const sticky = new Agent({ connections: 1 });
      for (let i = 0; i < 3; i++) await (await request(`${p.url}/`, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: i, method: 'dead.x' }), dispatcher: sticky })).body.text();
      await sticky.close();
      const views = async (): Promise<string[]> => {
        const out: string[] = [];
        for (let i = 0; i < 10; i++) {
          const fresh = new Agent();
          const body = (await (await request(`${p.url}/monitor`, { dispatcher: fresh })).body.json()) as { workers: number; upstreams: { total: number; healthy: number } };
          await fresh.close();
          out.push(`${body.workers} workers, ${body.upstreams.healthy}/${body.upstreams.total} healthy`);
        }
        return out;
      };
      await waitFor(async () => (await views()).every((v) => v === '2 workers, 1/2 healthy'), { timeoutMs: 20_000, message: 'every worker reports the pod view' });
    } finally {
      assert.equal(await p.stop(), 0);
    }
  });

  for (const launcher of ['scripts/start.mjs', 'npm start'] as const) {
    it(`${launcher}: SIGTERM stops the proxy, frees its ports and exits with the proxy's status`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'jussi-start-'));
      const configPath = join(dir, 'config.json');
      writeFileSync(configPath, JSON.stringify(config(up)));
      const env = { ...process.env, ...(await ports()), JUSSI_SERVER_HOST: '127.0.0.1', JUSSI_ADMIN_HOST: '127.0.0.1', JUSSI_SERVER_WORKERS: '1', JUSSI_UPSTREAM_CONFIG_FILE: configPath, JUSSI_TEST_UPSTREAM_URLS: 'false' };
      const [command, args] = launcher === 'npm start' ? ['npm', ['start', '--silent']] : [process.execPath, [join(repoRoot, 'scripts', 'start.mjs')]];
      const child = spawn(command, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
      const output: string[] = [];
      child.stdout.on('data', (c: Buffer) => output.push(c.toString('utf8')));
      child.stderr.on('data', (c: Buffer) => output.push(c.toString('utf8')));
      const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
      const port = Number(env.JUSSI_SERVER_PORT);
      const adminPort = Number(env.JUSSI_ADMIN_PORT);
      try {
        // The script builds first (up to date here, but tsc still checks): a generous deadline.
        await waitFor(async () => (await listening(port)) && (await listening(adminPort)), { timeoutMs: 120_000, message: `the proxy listening:\n${output.join('')}` });
        const res = await rpc(`http://127.0.0.1:${port}`, { jsonrpc: '2.0', id: 1, method: 'chain.ping' });
        assert.equal((res.json as { id: number }).id, 1);
        child.kill('SIGTERM');
        // npm waits for its script, then ends itself by the signal it got; the script exits with the proxy's 0.
        const code = await exited;
        if (launcher === 'npm start') assert.ok(code === 0 || code === 'SIGTERM', `npm exited with ${code}`);
        else assert.equal(code, 0, output.join(''));
        await waitFor(() => output.join('').includes('"message":"stopped"'), { message: 'the proxy stopped' });
        assert.equal(await listening(port), false, 'the traffic port is free');
        assert.equal(await listening(adminPort), false, 'the admin port is free');
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
