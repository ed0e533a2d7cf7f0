// Where the harness's own programs are: the benchmark servers next to this file (compiled .js
// under test/dist, or .ts run through tsx when the harness itself runs from source) and the
// proxy's built CLI (always the build: the benchmark measures what ships).

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../support/repo.js';

const here = fileURLToPath(import.meta.url);
const fromSource = here.endsWith('.ts');

export type ServerScript = 'floor-hit' | 'floor-pass' | 'floor-ws' | 'ws-upstream' | 'steem-upstream';

/** `node` arguments that run one of test/bench/servers/. */
export function serverCommand(script: ServerScript): { command: string; args: string[] } {
  const file = join(dirname(here), 'servers', `${script}.${fromSource ? 'ts' : 'js'}`);
  const loader = fromSource ? ['--conditions=source', '--import', 'tsx'] : [];
  return { command: process.execPath, args: [...loader, file] };
}

export const PROXY_CLI = join(repoRoot, 'proxy', 'dist', 'cli.js');

export function requireProxyBuild(): void {
  if (!existsSync(PROXY_CLI)) throw new Error(`the proxy is not built (${PROXY_CLI} is missing): run \`npx tsc -b\` or \`npm run bench\`, which builds first`);
}
