import {
  OrdsResponseError,
  RangeNotSupportedError,
  StorageRejectedError,
  TransferIncompleteError,
} from '../base/index.js';
import type { FileDownload, Logger, OrdsApi } from '../ords/index.js';
import type { CopyProgress, FileToCopy, JobRef } from '../state/index.js';
import {
  MIB,
  type PartPlan,
  partOffsetBytes,
  partSizeBytes,
  planParts,
  S3_MAX_OBJECT_BYTES,
} from './part-size.js';

/**
 * What a download must show before its bytes are stored, and what confirms a file's end. Each rule
 * closes a way a backup could be reported complete while holding the wrong bytes: an error page
 * stored as a dump, a changed file stitched to its old start, a file cut short at an end nobody
 * announced, a range-less server re-read beyond any invocation's budget.
 */

/** The copy's situation, as the checks need it. */
export interface Rules {
  readonly file: FileToCopy;
  /** Bytes already stored: where this download should start. */
  readonly offset: number;
  readonly resumed: Extract<CopyProgress, { done: false }> | undefined;
  readonly minPartSizeBytes: number;
  readonly maxFileBytes: number;
  readonly partSizeFloorBytes: number | undefined;
  readonly budget: { readonly now: () => number; readonly leftMs: () => number };
}

/** What a checked download gives the reader. */
export interface CheckedDownload {
  readonly plan: PartPlan;
  /** Where this body must end: its `Content-Length` or `Content-Range` end; null when chunked. */
  readonly bodyEnd: number | null;
  /** The file's size as announced now or at the first invocation; null when never announced. */
  readonly fileEnd: number | null;
  readonly limitBytes: number;
  /** `Content-Type` of the download, for messages. */
  readonly contentType: string | null;
  /** Budget check while re-reading stored bytes, set when the server ignored Range. */
  readonly onSkip: ((skippedBytes: number) => void) | undefined;
}

/** The file is not the one the continuation started on: the copy restarts from byte 0. */
export class FileChanged extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FileChanged';
  }
}

/**
 * Share of the time left after which the skip rate is trusted for the fail-fast estimate: the first
 * second of a download (connection, TCP slow start, a cold server) runs well below its steady rate,
 * and judging on it fails files that would fit (seen: 96 MiB/s measured on a 500 ms sample of a
 * stream that went on at several hundred).
 */
const RATE_SAMPLE_SHARE = 0.25;

/** Checks what the server announced against the file's kind, the continuation and the limits. */
export function checkDownload(rules: Rules, download: FileDownload, logger: Logger): CheckedDownload {
  const { file, offset, resumed } = rules;
  const limitBytes = Math.min(rules.maxFileBytes, S3_MAX_OBJECT_BYTES);
  const type = download.contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (file.kind === 'dump' && (type.startsWith('text/') || /^application\/([\w.-]+\+)?json$/.test(type))) {
    throw new OrdsResponseError(
      `ORDS answered ${file.name} with Content-Type ${download.contentType}: a page or an error, not a ` +
        'Data Pump dump file (a proxy, gateway or sign-in page in front of ORDS?)',
    );
  }
  const announced = download.totalBytes;
  if (announced !== null && announced > limitBytes) {
    throw new StorageRejectedError(
      `${file.name} holds ${announced} bytes, more than the ${limitBytes} bytes allowed ` +
        `(maxFileBytes ${rules.maxFileBytes}, S3 object limit ${S3_MAX_OBJECT_BYTES})`,
    );
  }
  const bodyEnd = download.contentLength === null ? null : download.start + download.contentLength;
  if (resumed === undefined) {
    const plan = planParts({
      totalBytes: announced,
      minPartSizeBytes: rules.minPartSizeBytes,
      maxFileBytes: limitBytes,
      floorBytes: rules.partSizeFloorBytes,
    });
    return {
      plan,
      bodyEnd,
      fileEnd: announced,
      limitBytes,
      contentType: download.contentType,
      onSkip: undefined,
    };
  }
  const plan = { basePartSizeBytes: resumed.partSizeBytes, totalBytes: resumed.totalBytes };
  if (partOffsetBytes(plan, resumed.nextPartNumber) !== offset) {
    throw new FileChanged(
      `The continuation is inconsistent: part ${resumed.nextPartNumber} of ${resumed.partSizeBytes}-byte ` +
        `parts starts at byte ${partOffsetBytes(plan, resumed.nextPartNumber)}, not at offset ${offset}`,
    );
  }
  const before = resumed.validator ?? null;
  if (before !== null && download.validator !== null && download.validator !== before) {
    throw new FileChanged(
      `${file.name} changed since the last invocation (${before}, now ${download.validator})`,
    );
  }
  if (resumed.totalBytes !== null && announced !== null && resumed.totalBytes !== announced) {
    throw new FileChanged(
      `${file.name} changed size between invocations (${resumed.totalBytes} bytes, now ${announced})`,
    );
  }
  if (announced !== null && announced < offset) {
    throw new FileChanged(
      `${file.name} holds ${announced} bytes now, fewer than the ${offset} already stored`,
    );
  }
  const fileEnd = announced ?? resumed.totalBytes;
  let onSkip: CheckedDownload['onSkip'];
  if (download.start < offset) {
    logger.warn('ORDS ignored the Range request: reading again the bytes already stored', {
      file: file.name,
      skipBytes: offset - download.start,
    });
    const needBytes = fileEnd ?? offset + partSizeBytes(plan, resumed.nextPartNumber);
    onSkip = skipBudget(rules, offset - download.start, needBytes, fileEnd);
  }
  return { plan, bodyEnd, fileEnd, limitBytes, contentType: download.contentType, onSkip };
}

/**
 * Fails fast when a range-less re-read cannot reach the end of the file within this invocation at
 * the rate measured while skipping: each resume starts at byte 0 again, so no retry could finish it.
 */
function skipBudget(
  rules: Rules,
  skipBytes: number,
  needBytes: number,
  fileEnd: number | null,
): (skipped: number) => void {
  const { now, leftMs } = rules.budget;
  const startedAt = now();
  const sampleMs = leftMs() * RATE_SAMPLE_SHARE;
  let judged = false;
  return (skipped) => {
    const elapsedMs = now() - startedAt;
    const left = leftMs();
    // Judged once, on a long enough sample or at the end of the skip; time running out, always.
    const sampled = elapsedMs >= sampleMs || skipped >= skipBytes;
    if (left > 0 && (judged || !sampled)) return;
    judged = true;
    const bytesPerMs = elapsedMs > 0 ? skipped / elapsedMs : Number.POSITIVE_INFINITY;
    if (left > 0 && (needBytes - skipped) / bytesPerMs <= left) return;
    const size = fileEnd === null ? `at least ${needBytes} bytes (size never announced)` : `${fileEnd} bytes`;
    const rate = Number.isFinite(bytesPerMs)
      ? `${Math.round((bytesPerMs * 1000) / MIB)} MiB/s`
      : 'unmeasured';
    throw new RangeNotSupportedError(
      `ORDS ignores Range requests for ${rules.file.name}, so every resume reads it again from byte 0; ` +
        `the file holds ${size} and at the measured ${rate} the ${Math.max(0, Math.round(left / 1000))} s left ` +
        'of this invocation cannot reach its end. Make ORDS (or the proxy in front of it) honour ' +
        '"Range: bytes=…", or raise the copy function\'s timeout or memory so one invocation reads the whole file.',
    );
  };
}

/**
 * Confirms that the body ended at the file's end: the size was announced and matched (the reader
 * refuses any other end), or a request from `end` is answered 416 `bytes *\/<end>` (or by a response
 * announcing exactly `end` bytes). Anything else fails: a legal `206 bytes X-Y/*` may end early.
 */
export async function confirmEnd(
  rules: Rules,
  ords: OrdsApi,
  job: JobRef,
  end: number,
  checked: CheckedDownload,
  validator: string | null,
  serverFileSize?: (fileName: string) => Promise<number | null>,
  logger?: Logger,
): Promise<'rest-enabled-sql' | null> {
  const { file } = rules;
  if (end === 0 && file.kind === 'dump') {
    throw new OrdsResponseError(
      `ORDS answered ${file.name} with an empty body (Content-Type ${checked.contentType ?? 'none'}): ` +
        'not a Data Pump dump file',
    );
  }
  if (checked.fileEnd !== null) {
    if (checked.fileEnd === end) return null;
    throw new TransferIncompleteError(
      `ORDS ended ${file.name} at byte ${end} of the ${checked.fileEnd} announced`,
    );
  }
  if (end === 0) {
    throw new TransferIncompleteError(
      `ORDS sent an empty body for ${file.name} without announcing its size: the end cannot be confirmed`,
    );
  }
  const probe = await ords.downloadFile(job.owner, job.jobName, file.name, {
    offset: end,
    ...(validator ? { ifRange: validator } : {}),
  });
  // Only the headers matter; destroying an unread undici body emits an AbortError, which must not
  // go unhandled (it would end the process).
  probe.body.on('error', () => {});
  probe.body.destroy();
  if (probe.totalBytes === end) return null;
  const answer =
    probe.totalBytes === null ? 'without announcing the size' : `announcing ${probe.totalBytes} bytes`;
  const unconfirmed =
    `ORDS never announced the size of ${file.name} and its body ended at byte ${end}; a request from byte ` +
    `${end} (Range: bytes=${end}-) was answered from byte ${probe.start} ${answer}, not 416 with ` +
    `Content-Range: bytes */${end}`;
  // Range on downloads is undocumented: the database's own size of the file is the last witness.
  const size = probe.totalBytes === null && serverFileSize ? await serverFileSize(file.name) : null;
  if (size === end) {
    logger?.warn(`${unconfirmed}; REST-enabled SQL gives the file's size as ${end} bytes: end confirmed`, {
      file: file.name,
    });
    return 'rest-enabled-sql';
  }
  const sized = size === null ? '' : `; the database gives its size as ${size} bytes`;
  throw new TransferIncompleteError(`${unconfirmed}${sized}: the end is unconfirmed`);
}
