// The default rate of the operator's writes to the API server (status of every JsonRpcUpstream
// and CacheRule), as client-go's QPS and Burst; OPERATOR_KUBE_API_QPS and
// OPERATOR_KUBE_API_BURST override them.
//
// Why 50 and 100, not controller-runtime's 20 and 30: a resource needs about one status write
// when it is created or edited (a queued status is replaced by a newer one, and a change to one
// resource no longer rewrites the others), so settling 1,000 resources takes about 1,000 writes:
// 50 s at 20/s, about 19 s at 50/s with a burst of 100. 50/100 is what kube-scheduler uses for
// its own client (its "opinion about QPS/Burst" in its config defaults), and the API server
// protects itself anyway: with API Priority and Fairness a service account's requests fall in
// the workload-low priority level, which holds about 40% of the server's concurrency, and a
// status PATCH of a small object completes in milliseconds, so 50 writes/s use a fraction of
// one seat.

export const DEFAULT_API_QPS = 50;
export const DEFAULT_API_BURST = 100;
