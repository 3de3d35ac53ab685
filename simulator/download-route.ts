import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Cut } from './counted-switches.js';
import type { Exchange } from './exchange.js';
import { type ContentSource, contentSource } from './file-content.js';
import type { JobStore } from './job-store.js';
import type { RouteContext } from './route-context.js';
import type { SimulatedJob } from './simulated-job.js';

/**
 * `GET jobs/{OWNER},{JOB}/{file}`: a dump file or the log of a job, with `Range` (206, 416), with or
 * without `Content-Length`, and the download faults (`resetDownloadAfterBytes`,
 * `truncateDownloadAfterBytes`).
 */

/** Bytes per `res.write` of a download: large enough for multi-GB/s on loopback. */
const WRITE_BYTES = 256 * 1024;

/** A file as a download serves it now. */
interface ServedFile {
  readonly bytes: number;
  readonly contentType: string;
  readonly source: ContentSource;
}

/** `Range: bytes=N-`, `bytes=N-M` or `bytes=-N` of a file of `total` bytes; null serves the whole file. */
function parseRange(
  header: string | undefined,
  total: number,
): { start: number; end: number } | 'unsatisfiable' | null {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!match) return null;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return null;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, total - suffix), end: total - 1 };
  }
  const start = Number(first);
  if (start >= total) return 'unsatisfiable';
  const end = last === '' ? total - 1 : Math.min(Number(last), total - 1);
  return end < start ? null : { start, end };
}

/** A dump file or the log of a job as it exists now, or null when the job has no such file. */
function fileOf(store: JobStore, job: SimulatedJob, fileName: string): ServedFile | null {
  const dump = job.dumpFiles.find((file) => file.name === fileName);
  if (dump) {
    return {
      bytes: store.dumpBytesNow(job, dump),
      contentType: 'application/vnd.tcpdump.pcap',
      source: contentSource(job.jobName, dump.name),
    };
  }
  const log = job.logFileName === fileName ? store.logOf(job) : null;
  if (log === null) return null;
  const bytes = Buffer.from(log, 'utf8');
  const source: ContentSource = {
    read: (start, endExclusive) => Buffer.from(bytes.subarray(start, endExclusive)),
    slices: (start, endExclusive) => [bytes.subarray(start, endExclusive)],
  };
  return { bytes: bytes.length, contentType: 'text/plain', source };
}

/** Serves a file of a job; 404 when the job or file is unknown, dropped or removed. */
export function download(
  context: RouteContext,
  exchange: Exchange,
  owner: string,
  jobName: string,
  fileName: string,
) {
  const { store } = context;
  const options = context.options();
  const dropped = options.servesDroppedJobFiles ? store.findDropped(owner, jobName) : undefined;
  const job = store.find(owner, jobName) ?? dropped;
  if (job) store.observe(job, false);
  const file =
    job && (!job.dropped || options.servesDroppedJobFiles) && !store.isRemoved(job, fileName)
      ? fileOf(store, job, fileName)
      : null;
  if (!file || (job?.madeBy === 'rest-sql' && !options.servesSqlJobFiles)) {
    return exchange.fail(404, `File ${fileName} of Data Pump job ${owner},${jobName} not found`);
  }
  const total = file.bytes;
  const range = options.range ? parseRange(exchange.req.headers.range, total) : null;
  if (range === 'unsatisfiable') {
    return exchange.fail(416, `Range ${exchange.req.headers.range} is beyond the file's ${total} bytes`, {
      'Content-Range': `bytes */${total}`,
    });
  }
  const start = range?.start ?? 0;
  const endExclusive = range ? range.end + 1 : total;
  const cut = context.counters.takeCut(endExclusive - start);
  if (cut) exchange.record.fault = cut.mode;

  const headers: OutgoingHttpHeaders = { 'Content-Type': file.contentType };
  if (options.range) headers['Accept-Ranges'] = 'bytes';
  if (range) headers['Content-Range'] = `bytes ${range.start}-${range.end}/${total}`;
  if (options.contentLength) headers['Content-Length'] = endExclusive - start;
  // A body cut short under a Content-Length cannot be followed by another response on the connection.
  if (cut?.mode === 'truncate' && options.contentLength) headers.Connection = 'close';
  exchange.begin(range ? 206 : 200, headers);
  stream(exchange.res, file.source, start, endExclusive, cut, !options.contentLength);
}

/**
 * Streams bytes `[start, endExclusive)` of a file with backpressure, optionally cut after `cut.bytes`:
 * `reset` destroys the socket once those bytes are flushed, `truncate` ends the response there.
 * `chunked` bodies are written as one copied buffer per write (one HTTP chunk each).
 */
function stream(
  res: ServerResponse,
  source: ContentSource,
  start: number,
  endExclusive: number,
  cut: Cut | undefined,
  chunked: boolean,
): void {
  const stopAt = cut ? Math.min(endExclusive, start + cut.bytes) : endExclusive;
  let position = start;
  let closed = false;
  res.once('close', () => {
    closed = true;
  });
  const finish = () => {
    if (cut?.mode === 'reset') {
      res.flushHeaders();
      // The empty write's callback runs once everything written before it has reached the socket.
      const socket = res.socket;
      socket?.write(Buffer.alloc(0), () => socket.destroy());
    } else {
      res.end();
    }
  };
  const pump = () => {
    while (!closed && position < stopAt) {
      const next = Math.min(stopAt, position + WRITE_BYTES);
      let flowing: boolean;
      if (chunked) {
        // One HTTP chunk per write: a single copied buffer keeps the framing small.
        flowing = res.write(source.read(position, next));
      } else {
        // Zero-copy slices of the cached block, written in one batch (writev) under cork.
        res.cork();
        flowing = true;
        for (const slice of source.slices(position, next)) flowing = res.write(slice);
        res.uncork();
      }
      position = next;
      if (!flowing) {
        res.once('drain', pump);
        return;
      }
    }
    if (!closed) finish();
  };
  pump();
}
