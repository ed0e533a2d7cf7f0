// Security headers that mean something for a JSON API (OWASP's REST security guidance): no MIME
// sniffing of answers, never framed, no active content, no referrer leaks, and HSTS when the
// operator says the endpoint is only reached over TLS.

import type { SecurityHeadersConfig } from '../config/edge-config.js';
import type { HeaderList } from './cors.js';

export function securityHeaders(config: SecurityHeadersConfig): HeaderList {
  const out = [
    'x-content-type-options', 'nosniff',
    'x-frame-options', 'DENY',
    'content-security-policy', "default-src 'none'; frame-ancestors 'none'",
    'referrer-policy', 'no-referrer',
    'cross-origin-resource-policy', 'cross-origin',
  ];
  if (config.hstsMaxAgeSeconds > 0) out.push('strict-transport-security', `max-age=${config.hstsMaxAgeSeconds}`);
  return out;
}
