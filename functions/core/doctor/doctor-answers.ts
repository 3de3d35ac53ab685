import type { OrdsConnection, ProbeAnswer, ProbeRequest } from '../ords/index.js';
import { describeErrorBody, errorCode, sanitizeSnippet } from '../ords/index.js';
import { type Check, failed } from './doctor-report.js';

/**
 * Reading what answered a doctor's probe: no answer at all (which host and port, and what to check
 * for that kind of network failure), a redirect, a 5xx, a page that is not ORDS's.
 */

/** `host:port`, with the scheme's default port spelled out. */
export function hostPort(url: URL): string {
  return `${url.hostname}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`;
}

/** The fix when ORDS answers but cannot serve (5xx, 429). */
export const UNAVAILABLE_FIX =
  "Check that the database is open and ORDS's connection pool is not exhausted, then run the doctor again.";

/** A probe's answer, or the network error that stopped it. */
export async function send(
  connection: OrdsConnection,
  probe: ProbeRequest,
): Promise<ProbeAnswer | { error: unknown }> {
  try {
    return await connection.probe(probe);
  } catch (error) {
    return { error };
  }
}

/** A redirect, a 5xx or a 429: each has its own fix; null for any other answer. */
export function serverTrouble(name: string, answer: ProbeAnswer, request: string): Check | null {
  const said = saidOf(answer);
  if (answer.status >= 300 && answer.status < 400) {
    const to = answer.location ? ` to ${sanitizeSnippet(answer.location, 200)}` : '';
    return failed(
      name,
      `${request} answered ${answer.status}, redirecting${to}`,
      'Configure the final https ORDS URL (the functions never follow redirects).',
    );
  }
  if (answer.status === 502 || answer.status === 504) {
    return failed(
      name,
      `${request} answered ${answer.status}: a gateway in front of ORDS could not reach it${said}`,
      'Check that ORDS runs and that the load balancer or gateway in front of it points at it.',
    );
  }
  if (answer.status >= 500 || answer.status === 429) {
    return failed(name, `${request} answered ${answer.status}${said}`, UNAVAILABLE_FIX);
  }
  return null;
}

/** An answer that is not ORDS's: an HTML page or another body, with its title. */
export function notOrds(name: string, answer: ProbeAnswer, request: string): Check {
  const type = (answer.contentType ?? '').toLowerCase();
  const html = type.includes('html') || /^\s*<(!doctype|html|head|body)\b/i.test(answer.body);
  const what = html
    ? 'an HTML page'
    : `a body of Content-Type ${sanitizeSnippet(answer.contentType ?? 'none', 80)}`;
  const said = describeErrorBody(answer.contentType, answer.body);
  return failed(
    name,
    `${request} answered ${answer.status} with ${what}${said ? ` ("${said}")` : ''}, not an ORDS JSON answer`,
    'Check the ORDS URL (https://host[:port]/ords/[db/]schema-alias/): another web server, proxy or login page answers there instead of ORDS 20.4 or later.',
  );
}

export function isJson(answer: ProbeAnswer): boolean {
  try {
    JSON.parse(answer.body);
    return true;
  } catch {
    return false;
  }
}

export function saidOf(answer: ProbeAnswer): string {
  const said = describeErrorBody(answer.contentType, answer.body);
  return said ? ` (ORDS said: ${said})` : '';
}

/** No answer at all: the host, the port and what to check for this kind of failure. */
export function unreachable(
  name: string,
  error: unknown,
  base: URL,
  who: { readonly secretId: string },
): Check {
  const code = errorCode(error) ?? 'unknown';
  const reason = sanitizeSnippet(error instanceof Error ? error.message : String(error), 200);
  const where = hostPort(base);
  const head = `unreachable host ${where}`;
  if (['ENOTFOUND', 'EAI_AGAIN', 'EAI_NODATA', 'EAI_NONAME'].includes(code)) {
    return failed(
      name,
      `${head}: the host name ${base.hostname} does not resolve (${code})`,
      `Check the host name in the ORDS URL ${base.href} and that the functions' subnets resolve it (VPC DNS, or a Route 53 Resolver rule for a private zone).`,
    );
  }
  if (/^(ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_SSL_)/.test(code)) {
    return failed(
      name,
      `${head}: the TLS handshake failed (${code}: ${reason})`,
      `If ORDS uses a private CA, add its PEM certificate as "caBundle" to secret "${who.secretId}"; otherwise fix the server's certificate chain and host name.`,
    );
  }
  if (code === 'ECONNREFUSED') {
    return failed(
      name,
      `${head}: the connection was refused (nothing listens on port ${where.split(':').at(-1)}, or a firewall rejects it)`,
      "Check the port in the ORDS URL, that ORDS runs there, and that the ORDS side's security group or firewall admits the functions' subnets.",
    );
  }
  if (['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE'].includes(code)) {
    return failed(
      name,
      `${head}: the connection was closed before ORDS answered (${code}: ${reason})`,
      'Check that the scheme and port of the ORDS URL match the server (https on its TLS port) and that no proxy drops the connection.',
    );
  }
  return failed(
    name,
    `${head}: no connection (${code}: ${reason})`,
    `Allow egress to ${where} in the functions' security group and ingress on the ORDS side, give the subnets a route to it (NAT gateway, peering, Transit Gateway or VPN), and check the ORDS URL.`,
  );
}
