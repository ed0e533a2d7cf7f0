// The injector's HTTP handler: POST /mutate-v1-pod with an AdmissionReview v1; answers an
// AdmissionReview whose response is always allowed (with a JSON patch when it injects, with
// warnings when it leaves a pod alone for a reason the user should know). A body that is not
// an AdmissionReview gets HTTP 400 with a message saying what is wrong.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@jussi/proxy/observability/types';
import { pathOf, readBody, sendJson } from '../http/request-body.js';
import { admissionResponse, decodeAdmissionReview } from './admission-review.js';
import { decide, type InjectionContext } from './decide.js';
import { involvedObject, type EventRecorder } from './events.js';

export const MUTATE_PATH = '/mutate-v1-pod';
/** Pods stay far below this; the API server's own request limit is 3 MiB. */
const MAX_REVIEW_BYTES = 6 * 1024 * 1024;

export interface InjectionCounts {
  injected: number;
  skipped: number;
  refused: number;
  malformed: number;
}

export interface WebhookHandlerOptions {
  readonly context: () => InjectionContext;
  readonly events: EventRecorder | null;
  readonly logger: Logger;
  readonly counts?: InjectionCounts;
}

export function webhookHandler(options: WebhookHandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const counts = options.counts ?? { injected: 0, skipped: 0, refused: 0, malformed: 0 };
  const bad = (res: ServerResponse, status: number, message: string): void => {
    counts.malformed += 1;
    options.logger.warn({ error: { type: 'AdmissionReviewError', message } }, 'answered a malformed admission request');
    sendJson(res, status, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: status, message });
  };
  return (req, res) => {
    void (async () => {
      const path = pathOf(req);
      if (path !== MUTATE_PATH) {
        sendJson(res, 404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 404, message: `not found: ${path} (the injector serves POST ${MUTATE_PATH})` });
        return;
      }
      if (req.method !== 'POST') {
        sendJson(res, 405, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 405, message: `${req.method ?? ''} not allowed: POST an AdmissionReview` }, { allow: 'POST' });
        return;
      }
      const type = (req.headers['content-type'] ?? '').split(';', 1)[0]?.trim().toLowerCase();
      if (type !== 'application/json') {
        bad(res, 415, `expected Content-Type application/json, got ${JSON.stringify(req.headers['content-type'] ?? '')}`);
        return;
      }
      const body = await readBody(req, MAX_REVIEW_BYTES);
      if (!body.ok) {
        bad(res, body.status, body.message);
        return;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.text);
      } catch (err) {
        bad(res, 400, `the body is not JSON: ${err instanceof Error ? err.message : String(err)}`);
        return;
      }
      const review = decodeAdmissionReview(parsed);
      if (!review.ok) {
        bad(res, 400, review.message);
        return;
      }
      const request = review.request;
      const decision = decide(request, options.context());
      const where = { namespace: request.namespace, pod: request.name === '' ? '(generated name)' : request.name, uid: request.uid };
      if (decision.action === 'inject') {
        counts.injected += 1;
        options.logger.debug(where, 'injected the sidecar');
        sendJson(res, 200, admissionResponse({ uid: request.uid, patch: decision.patch }));
        return;
      }
      if (decision.action === 'skip') {
        counts.skipped += 1;
        sendJson(res, 200, admissionResponse({ uid: request.uid }));
        return;
      }
      counts.refused += 1;
      const message = `jussi sidecar not injected: ${decision.reason}`;
      options.logger.warn({ ...where, reason: decision.reason }, 'pod admitted without the sidecar');
      // Events are side effects: a dry run (kubectl --dry-run=server) records none.
      if (!request.dryRun) options.events?.warn(involvedObject(request.namespace, request.name, request.object), 'SidecarNotInjected', message);
      sendJson(res, 200, admissionResponse({ uid: request.uid, warnings: [message] }));
    })().catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 500, message: `injector error: ${String(err)}` });
      else res.destroy();
    });
  };
}
