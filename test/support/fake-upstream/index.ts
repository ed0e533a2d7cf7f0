// Fake JSON-RPC upstreams and test helpers; see fake-upstream.ts for the full example.
export { FakeUpstream, echoHandler, matches, replyText, startFakeUpstream } from './fake-upstream.js';
export type { FakeContext, FakeHandler, FakeMatch, FakeReply, FakeRequest, FakeTransport, FakeUpstreamOptions } from './fake-upstream.js';
export { freePort, sleep, waitFor } from './wait.js';
export type { WaitOptions } from './wait.js';
export { LEAK_TYPES, leaksSince, resourceSnapshot, waitForNoLeaks } from './handles.js';
export type { ResourceSnapshot } from './handles.js';
