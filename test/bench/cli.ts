// `npm run bench [-- options]` (scripts/bench.mjs builds, then runs this):
//   --smoke              a second or so per measurement, one round (the test command runs it)
//   --only=a,b           only these scenarios (hit-single, hit-batch, pass-http, pass-latency,
//                        pass-ws, hit-redis, hit-limits, mix, render)
//   --out=DIR            where the report goes (default test/bench/results; a temp dir for --smoke)
//   --seconds=N --rounds=N   override the mode's measurement length and rounds
//   --profile=DIR        run our proxy with --cpu-prof, profiles in DIR (see cpuprofile-summary)

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { repoRoot } from '../support/repo.js';
import { runBench, type BenchOptions } from './harness.js';
import { parseCliArgs } from './cli-args.js';

async function main(): Promise<void> {
  const args = parseCliArgs(process.argv.slice(2));
  const outDir = args.out !== null ? resolve(args.out) : args.smoke ? mkdtempSync(join(tmpdir(), 'jussi-bench-smoke-')) : join(repoRoot, 'test', 'bench', 'results');
  const options: BenchOptions = {
    mode: args.smoke ? 'smoke' : 'full',
    outDir,
    only: args.only,
    profileDir: args.profile === null ? null : resolve(args.profile),
    ...(args.seconds === null ? {} : { secondsPerRun: args.seconds }),
    ...(args.rounds === null ? {} : { rounds: args.rounds }),
  };
  const { report, files } = await runBench(options);
  for (const t of report.targets) process.stderr.write(`[target] ${t.met === null ? '-' : t.met ? 'met' : 'NOT MET'}: ${t.target}: ${t.measured}\n`);
  process.stdout.write(`report: ${files.json}\n        ${files.markdown}\n        ${files.svg}\n`);
}

// A signal still runs the children's exit hook (every started process group is killed). `on`, not
// `once`: a second signal while exiting must not fall back to the default action (death without the hook).
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
