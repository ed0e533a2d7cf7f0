// A reason the proxy cannot start that a person can act on (bad settings, invalid config,
// unusable Redis URL, a port that cannot be bound): the CLI prints its message on one line and
// exits 1, without a stack trace.

export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

/** What a listener was asked to bind, and the variable that chooses it. */
export interface ListenTarget {
  readonly host: string;
  readonly port: number;
  readonly variable: 'JUSSI_SERVER_PORT' | 'JUSSI_ADMIN_PORT';
  readonly hostVariable: 'JUSSI_SERVER_HOST' | 'JUSSI_ADMIN_HOST';
}

const BIND_PROBLEMS: Readonly<Record<string, string>> = {
  EADDRINUSE: 'the address is already in use',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'the address is not one of this host',
};

/** A listen failure as the one-line StartupError naming the address and the variable to change; null for other errors. */
export function bindFailure(err: unknown, target: ListenTarget): StartupError | null {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  if (typeof code !== 'string') return null;
  const problem = BIND_PROBLEMS[code];
  if (problem === undefined) return null;
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  const change = code === 'EADDRNOTAVAIL' ? target.hostVariable : target.variable;
  return new StartupError(`cannot listen on ${host}:${target.port}: ${problem} (${code}); set ${change} to ${code === 'EADDRNOTAVAIL' ? 'an address of this host' : 'a free port'}`);
}

/** Runs a listen step, turning a bind failure into its StartupError. */
export async function listenOrExplain<T>(target: ListenTarget, listen: () => Promise<T>): Promise<T> {
  try {
    return await listen();
  } catch (err) {
    throw bindFailure(err, target) ?? err;
  }
}

/** The traffic and admin listeners of these settings. */
export function trafficTarget(server: { readonly host: string; readonly port: number }): ListenTarget {
  return { host: server.host, port: server.port, variable: 'JUSSI_SERVER_PORT', hostVariable: 'JUSSI_SERVER_HOST' };
}

export function adminTarget(admin: { readonly host: string; readonly port: number }): ListenTarget {
  return { host: admin.host, port: admin.port, variable: 'JUSSI_ADMIN_PORT', hostVariable: 'JUSSI_ADMIN_HOST' };
}
