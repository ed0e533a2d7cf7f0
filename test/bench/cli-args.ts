// The options of `npm run bench` (see cli.ts), parsed with messages a person can act on.

import { SCENARIO_IDS } from './harness.js';

export interface CliArgs {
  readonly smoke: boolean;
  readonly only: string[] | null;
  readonly out: string | null;
  readonly seconds: number | null;
  readonly rounds: number | null;
  readonly profile: string | null;
}

export function parseCliArgs(argv: readonly string[]): CliArgs {
  const args: { -readonly [K in keyof CliArgs]: CliArgs[K] } = { smoke: false, only: null, out: null, seconds: null, rounds: null, profile: null };
  const positive = (name: string, value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} takes a whole number of at least 1, not ${JSON.stringify(value)}`);
    return n;
  };
  for (const arg of argv) {
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg : arg.slice(0, eq);
    const value = eq < 0 ? '' : arg.slice(eq + 1);
    switch (name) {
      case '--smoke':
        args.smoke = true;
        break;
      case '--only':
        args.only = value.split(',').filter((s) => s !== '');
        break;
      case '--out':
        args.out = value;
        break;
      case '--seconds':
        args.seconds = positive('seconds', value);
        break;
      case '--rounds':
        args.rounds = positive('rounds', value);
        break;
      case '--profile':
        args.profile = value;
        break;
      default:
        throw new Error(`unknown option ${arg}; options: --smoke, --only=${SCENARIO_IDS.join(',')}, --out=DIR, --seconds=N, --rounds=N, --profile=DIR`);
    }
  }
  return args;
}
