import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { errorBody, sendJson, sendText } from './responses.js';

/** One request the simulator received. */
export interface RecordedRequest {
  readonly method: string;
  /** Path with query string, as sent. */
  readonly path: string;
  /** Request headers (lower-case names); `authorization` is reduced to its scheme, e.g. `Basic ***`. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Body of a Database API POST (never recorded for the token route, which may carry secrets). */
  readonly body?: string;
  /** Status sent, or null while unanswered (or never answered: `postHangAfterCreate`). */
  readonly status: number | null;
  /** Arrival on the simulator clock. */
  readonly time: Date;
  /** The fault injected into this request, if any. */
  readonly fault?: 'transient' | 'reset' | 'truncate' | 'hang' | 'sql-answer-lost';
}

/** A recorded request while the simulator still fills in its status and fault. */
export type RequestRecord = { -readonly [K in keyof RecordedRequest]: RecordedRequest[K] };

/** Bodies beyond this many bytes are answered 413 (and not kept). */
export const MAX_BODY_BYTES = 1024 * 1024;

/** The request headers as recorded: `authorization` reduced to its scheme. */
export function redact(headers: IncomingMessage['headers']): Record<string, string | string[] | undefined> {
  const copy: Record<string, string | string[] | undefined> = { ...headers };
  if (typeof copy.authorization === 'string') copy.authorization = `${copy.authorization.split(/\s/)[0]} ***`;
  return copy;
}

/** Reads a request body: its text (the first `MAX_BODY_BYTES` bytes) and its full size. */
export async function readBody(
  req: IncomingMessage,
): Promise<{ readonly text: string; readonly size: number }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  }
  return { text: Buffer.concat(chunks).toString('utf8'), size };
}

/** One request and its response: every answer records the status it sends. */
export class Exchange {
  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly record: RequestRecord,
    readonly body: string,
    /** Whether error bodies are HTML pages (`htmlErrors`), read when an error is sent. */
    private readonly htmlErrors: () => boolean,
  ) {}

  /** Writes the status line and headers of a body the caller streams. */
  begin(status: number, headers: OutgoingHttpHeaders): void {
    this.record.status = status;
    this.res.writeHead(status, headers);
  }

  /** Sends an error: `application/problem+json`, or an HTML page with `htmlErrors`. */
  fail(status: number, message: string, headers: OutgoingHttpHeaders = {}): void {
    this.record.status = status;
    const { contentType, body } = errorBody(status, message, this.htmlErrors());
    sendText(this.res, status, contentType, body, headers);
  }

  /** Sends a JSON value. */
  json(status: number, value: unknown, headers: OutgoingHttpHeaders = {}): void {
    this.record.status = status;
    sendJson(this.res, status, value, headers);
  }

  /** Sends a string body as it is (a JSON text serialised once for its ETag, or cut short). */
  text(status: number, contentType: string, body: string, headers: OutgoingHttpHeaders = {}): void {
    this.record.status = status;
    sendText(this.res, status, contentType, body, headers);
  }
}
