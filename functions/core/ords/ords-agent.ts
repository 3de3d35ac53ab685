import { rootCertificates } from 'node:tls';
import { Agent } from 'undici';
import type { OrdsSecret } from './ords-api.js';

/** How an ORDS client connects and how long it waits: its undici agent and its time limits. */

/** Timeouts of ORDS requests, in milliseconds. */
export interface OrdsTimeouts {
  /** To open the TCP/TLS connection. @default 10_000 */
  readonly connectMs?: number;
  /** From sending the request to the end of the response headers. @default 60_000 */
  readonly headersMs?: number;
  /** Longest pause between two chunks of a response body (downloads included). @default 120_000 */
  readonly bodyMs?: number;
}

/**
 * Time kept free at the end of an invocation (at most; half of a shorter one): a request whose
 * answer would come later is cut short and reported as ORDS unavailable (retried), instead of the
 * function being killed mid-request.
 */
export const DEADLINE_MARGIN_MS = 5_000;

/** The timeouts unless the client is given others. */
export const DEFAULT_TIMEOUTS: Required<OrdsTimeouts> = {
  connectMs: 10_000,
  headersMs: 60_000,
  bodyMs: 120_000,
};

/**
 * The undici `Agent` of an ORDS client: TLS verification always on, trusting Node's root
 * certificates plus the secret's `caBundle` when there is one.
 */
export function createOrdsAgent(secret: OrdsSecret, timeouts: OrdsTimeouts = {}): Agent {
  const { connectMs, headersMs, bodyMs } = { ...DEFAULT_TIMEOUTS, ...timeouts };
  return new Agent({
    connect: {
      timeout: connectMs,
      rejectUnauthorized: true,
      ...(secret.caBundle ? { ca: [...rootCertificates, secret.caBundle] } : {}),
    },
    headersTimeout: headersMs,
    bodyTimeout: bodyMs,
  });
}
