// nginx configurations for the benchmark, as pure text builders: the upstream (fixed JSON-RPC
// answers from memory), a pass-through proxy (`proxy_pass` over kept-alive connections) and a
// caching proxy (`proxy_cache` keyed on the POST body). Everything nginx writes (pid, logs,
// temp files, cache) stays under the instance's own directory: no root paths, no daemon.

import { userInfo } from 'node:os';

export interface NginxBase {
  /** The instance's directory: pid, logs, temp paths and cache live here. */
  readonly dir: string;
  readonly workers: number;
  readonly port: number;
}

/** A text nginx accepts inside single quotes of `return`: no variables, quotes or escapes. */
export function nginxLiteral(text: string): string {
  if (/[$'\\\r\n]/.test(text)) throw new Error('nginx return text must not contain $, single quotes, backslashes or line breaks');
  return `'${text}'`;
}

function mainBlock(base: NginxBase, http: string): string {
  // nginx started as root would switch its workers to `nobody`, who cannot write our temp dir.
  const user = userInfo().uid === 0 ? 'user root;\n' : '';
  const d = base.dir;
  return `${user}worker_processes ${base.workers};
pid ${d}/nginx.pid;
error_log ${d}/error.log warn;
events {
  worker_connections 8192;
}
http {
  access_log off;
  client_body_temp_path ${d}/client_body;
  proxy_temp_path ${d}/proxy_temp;
  fastcgi_temp_path ${d}/fastcgi_temp;
  uwsgi_temp_path ${d}/uwsgi_temp;
  scgi_temp_path ${d}/scgi_temp;
  keepalive_requests 10000000;
  keepalive_timeout 300s;
  # The whole body in memory: proxy_cache_key reads $request_body.
  client_body_buffer_size 1m;
  client_max_body_size 1m;
${http}
}
`;
}

export interface UpstreamRoute {
  /** Exact path, e.g. `/` or `/batch50`. */
  readonly path: string;
  readonly body: string;
  /**
   * Answer with the posted request's integer id in place of the body's `"id":1` (a JSON-RPC
   * server does; the proxy refuses an answer carrying another id than the one it sent). nginx
   * reads the posted body only to proxy it, so the route proxies to itself once: the outer
   * location reads the id out of the body, the inner one answers with it.
   */
  readonly echoId?: boolean;
}

/** The posted JSON-RPC id (an integer), for routes that echo it. */
const ECHO_ID_MAP = `  map $request_body $rpc_id {\n    '~"id"\\s*:\\s*(?<rid>-?[0-9]+)' $rid;\n    default null;\n  }`;

/** nginx reads a configuration token into a 4 KB buffer: longer answers are served from a file. */
export const MAX_INLINE_ANSWER = 3000;

/** Where a long answer's file goes (`<dir>/answers/<name>.json`); the caller writes it. */
export function answerFile(route: UpstreamRoute): string {
  return `answers/${route.path.replace(/[^A-Za-z0-9]/g, '') || 'root'}.json`;
}

function echoLocation(r: UpstreamRoute): string {
  const inner = `/__echo${r.path.replace(/[^A-Za-z0-9]/g, '') || 'root'}`;
  const [head, tail] = r.body.split('"id":1');
  if (head === undefined || tail === undefined || r.body.indexOf('"id":1') !== r.body.lastIndexOf('"id":1')) throw new Error('an echoing answer holds "id":1 exactly once');
  return [
    `    location = ${r.path} {`,
    `      proxy_pass http://upstream_self${inner};`,
    '      proxy_http_version 1.1;',
    '      proxy_set_header Connection "";',
    '      proxy_set_header X-Rpc-Id $rpc_id;',
    '    }',
    `    location = ${inner} {`,
    '      default_type application/json;',
    // One quoted string: nginx interpolates the variable inside it.
    `      return 200 ${nginxLiteral(head).slice(0, -1)}"id":$http_x_rpc_id${nginxLiteral(tail).slice(1)};`,
    '    }',
  ].join('\n');
}

function routeLocation(dir: string, r: UpstreamRoute): string {
  if (r.echoId === true) return echoLocation(r);
  if (r.body.length <= MAX_INLINE_ANSWER) {
    return `    location = ${r.path} {\n      default_type application/json;\n      return 200 ${nginxLiteral(r.body)};\n    }`;
  }
  // The static module refuses POST (405); an error page redirect is served as GET.
  const file = answerFile(r);
  return `    location = ${r.path} {\n      error_page 405 =200 /${file};\n      return 405;\n    }\n    location = /${file} {\n      internal;\n      root ${dir};\n      types { }\n      default_type application/json;\n    }`;
}

/**
 * The upstream: each path answers its fixed body with HTTP 200, whatever is posted. Bodies
 * longer than MAX_INLINE_ANSWER must be written to `<dir>/<answerFile(route)>` by the caller.
 */
export function upstreamConf(base: NginxBase, routes: readonly UpstreamRoute[]): string {
  const locations = routes.map((r) => routeLocation(base.dir, r)).join('\n');
  const echo = routes.some((r) => r.echoId === true) ? `${ECHO_ID_MAP}\n  upstream upstream_self {\n    server 127.0.0.1:${base.port};\n    keepalive 64;\n  }\n` : '';
  return mainBlock(base, `${echo}  server {\n    listen 127.0.0.1:${base.port};\n${locations}\n  }`);
}

function upstreamBlock(upstreamPort: number): string {
  return `  upstream jsonrpc_upstream {
    server 127.0.0.1:${upstreamPort};
    keepalive 64;
  }`;
}

const PROXY_COMMON = `      proxy_http_version 1.1;
      proxy_set_header Connection "";`;

/** `proxy_pass` of every request to the upstream, as is. */
export function passConf(base: NginxBase, upstreamPort: number, upstreamPath = '/'): string {
  return mainBlock(
    base,
    `${upstreamBlock(upstreamPort)}
  server {
    listen 127.0.0.1:${base.port};
    location / {
      proxy_pass http://jsonrpc_upstream${upstreamPath};
${PROXY_COMMON}
    }
  }`,
  );
}

/** `proxy_cache` keyed on the whole POST body; `X-Cache-Status` says HIT or MISS. */
export function cacheConf(base: NginxBase, upstreamPort: number, upstreamPath = '/'): string {
  return mainBlock(
    base,
    `${upstreamBlock(upstreamPort)}
  proxy_cache_path ${base.dir}/cache levels=1:2 keys_zone=jsonrpc:16m max_size=256m inactive=1d use_temp_path=off;
  server {
    listen 127.0.0.1:${base.port};
    location / {
      proxy_pass http://jsonrpc_upstream${upstreamPath};
${PROXY_COMMON}
      proxy_cache jsonrpc;
      proxy_cache_methods POST;
      proxy_cache_key $request_body;
      # The key is built in this buffer: a batch body of 50 calls is about 5 KB.
      proxy_buffer_size 64k;
      proxy_buffers 8 64k;
      proxy_cache_valid 200 1d;
      proxy_cache_lock on;
      proxy_ignore_headers Cache-Control Expires Set-Cookie;
      add_header X-Cache-Status $upstream_cache_status always;
    }
  }`,
  );
}
