// The log line for each change in the leader election (kube/leader-election.ts ElectionState):
// what is true, with the reason, once per change rather than on every retry. In particular a
// replica that cannot reach the API server says so; it does not claim that another replica leads.

import type { ElectionState } from '../kube/leader-election.js';

export interface ElectionLogLine {
  readonly level: 'info' | 'warn';
  readonly message: string;
  readonly fields: Readonly<Record<string, string | number>>;
}

export function electionLogLine(state: ElectionState, lease: string, retryPeriodMs: number): ElectionLogLine {
  switch (state.kind) {
    case 'leading':
      return { level: 'info', message: 'leading: publishing config and writing status', fields: { lease } };
    case 'renew-failing':
      return { level: 'warn', message: `cannot renew the Lease ${lease}: still leading until the renew deadline; retrying`, fields: { lease, reason: state.error } };
    case 'stopped-leading':
      return { level: 'warn', message: `stopped leading: ${state.reason}`, fields: { lease, reason: state.reason } };
    case 'standing-by':
      return { level: 'info', message: `standing by: ${state.holder} holds the Lease ${lease}`, fields: { lease, holder: state.holder } };
    case 'cannot-acquire':
      return { level: 'warn', message: `cannot acquire the Lease ${lease}: retrying every ${retryPeriodMs / 1000} s`, fields: { lease, reason: state.error, retry_in_ms: retryPeriodMs } };
  }
}
