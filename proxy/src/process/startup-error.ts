// A reason the proxy cannot start that a person can act on (bad settings, invalid config,
// unusable Redis URL): the CLI prints its message and exits 1, without a stack trace.

export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}
