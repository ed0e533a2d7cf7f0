// Events about pods the injector left alone, so `kubectl describe` and `kubectl get events`
// show why a pod has no sidecar. A pod being admitted often has no name yet (generateName), so
// the Event is about its controller (the ReplicaSet, Job, ...) when it has one. The same event
// for the same object is recorded once per `repeatWindowMs`: a Deployment of 100 replicas gets
// one Event, not 100.

import { CoreV1Api, type CoreV1Event, type KubeConfig, type V1ObjectReference } from '@kubernetes/client-node';
import { kubeErrorInfo } from '@jussi/proxy/kube/errors';
import { isRecord } from '@jussi/proxy/kube/objects';
import { callOptions } from '@jussi/proxy/kube/request-options';
import type { Logger } from '@jussi/proxy/observability/types';

export const REPORTING_COMPONENT = 'jussi-operator';

/** What an Event about an admitted pod refers to: the pod when named, else its controller. */
export function involvedObject(namespace: string, name: string, pod: Readonly<Record<string, unknown>> | null): V1ObjectReference {
  const metadata = pod !== null && isRecord(pod['metadata']) ? pod['metadata'] : {};
  const uid = typeof metadata['uid'] === 'string' ? metadata['uid'] : undefined;
  if (name !== '') return { apiVersion: 'v1', kind: 'Pod', namespace, name, ...(uid === undefined ? {} : { uid }) };
  const owners = Array.isArray(metadata['ownerReferences']) ? metadata['ownerReferences'].filter(isRecord) : [];
  const owner = owners.find((o) => o['controller'] === true) ?? owners[0];
  if (owner !== undefined && typeof owner['kind'] === 'string' && typeof owner['name'] === 'string') {
    return {
      apiVersion: typeof owner['apiVersion'] === 'string' ? owner['apiVersion'] : undefined,
      kind: owner['kind'],
      namespace,
      name: owner['name'],
      ...(typeof owner['uid'] === 'string' ? { uid: owner['uid'] } : {}),
    };
  }
  const generateName = typeof metadata['generateName'] === 'string' ? metadata['generateName'] : '';
  return { apiVersion: 'v1', kind: 'Pod', namespace, name: generateName === '' ? '(unnamed pod)' : generateName };
}

export interface EventRecorderOptions {
  readonly kubeConfig: KubeConfig;
  /** This replica (reportingInstance). */
  readonly instance: string;
  readonly logger: Logger;
  readonly repeatWindowMs?: number;
  readonly now?: () => Date;
}

const MAX_REMEMBERED = 2_000;

export class EventRecorder {
  private readonly api: CoreV1Api;
  private readonly recent = new Map<string, number>();
  private readonly now: () => Date;
  private readonly inFlight = new Set<Promise<void>>();
  private recorded = 0;

  constructor(private readonly options: EventRecorderOptions) {
    this.api = options.kubeConfig.makeApiClient(CoreV1Api);
    this.now = options.now ?? (() => new Date());
  }

  get recordedCount(): number {
    return this.recorded;
  }

  /** Records a Warning event (fire and forget: admission never waits on it). */
  warn(regarding: V1ObjectReference, reason: string, message: string): void {
    const at = this.now();
    const key = `${regarding.namespace ?? ''}/${regarding.kind ?? ''}/${regarding.name ?? ''}/${reason}/${message}`;
    const last = this.recent.get(key);
    if (last !== undefined && at.getTime() - last < (this.options.repeatWindowMs ?? 600_000)) return;
    this.recent.set(key, at.getTime());
    if (this.recent.size > MAX_REMEMBERED) {
      const oldest = this.recent.keys().next().value;
      if (oldest !== undefined) this.recent.delete(oldest);
    }
    const namespace = regarding.namespace ?? 'default';
    const body: CoreV1Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { generateName: 'jussi-sidecar-', namespace },
      involvedObject: regarding,
      reason,
      message,
      type: 'Warning',
      source: { component: REPORTING_COMPONENT },
      reportingComponent: REPORTING_COMPONENT,
      reportingInstance: this.options.instance,
      firstTimestamp: at,
      lastTimestamp: at,
      count: 1,
    };
    const p = this.api
      .createNamespacedEvent({ namespace, body }, callOptions({ timeoutMs: 5_000 }))
      .then(
        () => {
          this.recorded += 1;
        },
        (err: unknown) => this.options.logger.warn({ reason, namespace, error: { type: 'KubeError', message: kubeErrorInfo(err).message } }, 'recording an event failed'),
      )
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  /** Resolves when the events sent so far are answered (tests, shutdown). */
  async flush(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }
}
