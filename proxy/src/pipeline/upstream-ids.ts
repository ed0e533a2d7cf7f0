// Proxy-assigned upstream request ids: one counter per process, so answers on a shared
// WebSocket connection always match their calls (ARCHITECTURE item 12).

let next = 1;

export function nextUpstreamId(): number {
  const id = next;
  next = id >= Number.MAX_SAFE_INTEGER ? 1 : id + 1;
  return id;
}
