import { createHash } from 'node:crypto';
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

/** Error bodies and small response helpers shared by the simulator's routes. */

const REASONS: Readonly<Record<number, readonly [code: string, title: string]>> = {
  400: ['BadRequest', 'Bad Request'],
  401: ['Unauthorized', 'Unauthorized'],
  403: ['Forbidden', 'Forbidden'],
  404: ['NotFound', 'Not Found'],
  405: ['MethodNotAllowed', 'Method Not Allowed'],
  413: ['PayloadTooLarge', 'Payload Too Large'],
  416: ['RangeNotSatisfiable', 'Range Not Satisfiable'],
  500: ['InternalServerError', 'Internal Server Error'],
  502: ['BadGateway', 'Bad Gateway'],
  503: ['ServiceUnavailable', 'Service Unavailable'],
  504: ['GatewayTimeout', 'Gateway Timeout'],
};

let ecid = 0;

/** The `code` word and title ORDS uses for a status. */
export function reasonOf(status: number): readonly [code: string, title: string] {
  return REASONS[status] ?? ['Error', `Error ${status}`];
}

/** An error body: `application/problem+json` as ORDS ≥ 20.4 sends it, or its HTML error page. */
export function errorBody(
  status: number,
  message: string,
  html: boolean,
): { readonly contentType: string; readonly body: string } {
  const [code, title] = reasonOf(status);
  if (html) {
    const escaped = message.replace(/[&<>"]/g, (char) => `&#${char.charCodeAt(0)};`).replaceAll('\n', '<br>');
    return {
      contentType: 'text/html; charset=utf-8',
      body: `<!DOCTYPE html>\n<html><head><title>${status} ${title}</title><meta charset="utf-8"></head><body><h1>${status} ${title}</h1><p>${escaped}</p><hr><p>Oracle REST Data Services</p></body></html>\n`,
    };
  }
  ecid += 1;
  const instance = `tag:oracle.com,2020:ecid/${Buffer.from(`sim-${ecid}`).toString('base64url')}`;
  return {
    contentType: 'application/problem+json',
    body: JSON.stringify({ code, message, type: `tag:oracle.com,2020:error/${code}`, instance }),
  };
}

/** Writes a complete response with a string body. */
export function sendText(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string,
  headers: OutgoingHttpHeaders = {},
): void {
  res.writeHead(status, {
    ...headers,
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** Writes a JSON response. */
export function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: OutgoingHttpHeaders = {},
): void {
  sendText(res, status, 'application/json', JSON.stringify(value), headers);
}

/** A strong ETag of a body. */
export function etagOf(body: string): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}
