// The fake Kubernetes API server for tests: `const kube = await FakeKube.start()`, then
// `kube.kubeConfig()` for clients, `kube.put(obj)` / `kube.get(...)` for the store,
// `kube.failNext(...)`, `kube.dropWatches()`, `kube.goDown()` ... for faults, and
// `kube.requests(...)` / `kube.writes(...)` to see what clients sent.

export { FakeKube, JUSSI_CRDS, type FakeKubeOptions, type WatchFilter } from './server.js';
export type { FailureRule, Verb } from './faults.js';
export type { RequestFilter, RequestRecord } from './request-log.js';
export type { CrdRegistration, ResourceDef } from './resources.js';
export type { Json, JsonObject } from './json.js';
export { fakeKubeConfig, fakeKubeconfigYaml, writeFakeKubeconfig, FAKE_TOKEN } from './kubeconfig.js';
export { waitFor, pause } from './wait.js';
export type { TokenGrant } from './token-review.js';
export { API_SERVER_AUDIENCE } from './token-review.js';
export type { AdmissionCall } from './admission.js';
