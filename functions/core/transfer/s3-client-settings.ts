import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { S3ClientConfig } from '@aws-sdk/client-s3';

/**
 * The S3 client settings of the copy, shared by the deployed functions, the local runner and the
 * bench, so that what is measured is what deploys:
 *
 * - `requestChecksumCalculation: 'WHEN_REQUIRED'`: every upload carries the CRC-32 the copy already
 *   computed, as a header on a Buffer body. With the default (`WHEN_SUPPORTED`) the SDK would hash
 *   every part a second time (and stream it aws-chunked, which some S3-compatible servers store
 *   framing and all); `responseChecksumValidation` likewise, as the copy reads no object bodies;
 * - keep-alive agents sized for the copy: `partsInFlight` part uploads plus one control call
 *   (ListParts, Complete, HeadObject, tags) at a time. Agents of our own matter beyond their size:
 *   with its default agent the SDK sends every request carrying `Expect: 100-continue` (each part
 *   over 2 MiB) on a new connection without keep-alive, a TCP and TLS handshake per part, and holds
 *   the body back until `100 Continue`; with an agent passed in it reuses the kept-alive connections
 *   and sends the body at once (`@smithy/node-http-handler`, `externalAgent`).
 */
export function copyS3ClientSettings(
  partsInFlight: number,
): Pick<S3ClientConfig, 'requestChecksumCalculation' | 'responseChecksumValidation' | 'requestHandler'> {
  const agent = { keepAlive: true, maxSockets: partsInFlight + 1 };
  return {
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: { httpAgent: new HttpAgent(agent), httpsAgent: new HttpsAgent(agent) },
  };
}
