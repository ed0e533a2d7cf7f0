// The embedded example config (used when JUSSI_UPSTREAM_CONFIG_FILE is unset): one document,
// delivered on start and on every reload; it never changes.

import { EXAMPLE_CONFIG_TEXT } from '../example-config.js';
import type { ConfigSource, ConfigSourceListener } from './source.js';

export class EmbeddedConfigSource implements ConfigSource {
  readonly description = 'embedded example config';
  private listener: ConfigSourceListener | null = null;

  constructor(private readonly text: string = EXAMPLE_CONFIG_TEXT) {}

  start(listener: ConfigSourceListener): Promise<void> {
    this.listener = listener;
    this.emit();
    return Promise.resolve();
  }

  reload(): Promise<void> {
    this.emit();
    return Promise.resolve();
  }

  stop(): Promise<void> {
    this.listener = null;
    return Promise.resolve();
  }

  private emit(): void {
    this.listener?.document({ text: this.text, origin: this.description });
  }
}
