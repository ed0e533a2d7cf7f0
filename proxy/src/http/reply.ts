// An HTTP answer as plain data: what the pipeline and the probes return, and what the HTTP
// front writes. `body: null` sends no body (204, HEAD).

export interface HttpReply {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | null;
}

export const JSON_CONTENT_TYPE = 'application/json';
