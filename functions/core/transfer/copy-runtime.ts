/**
 * Node.js options of the process that copies (the copy function's `NODE_OPTIONS`, and the bench's
 * scenario processes, so that what is measured is what deploys).
 *
 * `--max-semi-space-size=1` (MiB): V8's young generation kept small. Every download chunk is a
 * short-lived Buffer whose 64 KiB live outside the JavaScript heap; with Node's default (a young
 * generation of tens of MiB) the small Buffer objects outlive the bytes they point to by far, the
 * process's external memory grows, and V8 answers with full mark-compact collections of the whole
 * heap (≈ 40–50 per GiB copied, measured). Frequent cheap scavenges free each chunk soon after its
 * copy instead: on this machine the copy's CPU per GiB fell from 3.2–3.4 to 1.7–1.9 s, its peak RSS
 * by ≈ 50 MiB. 2 MiB was enough while the copy allocated a promise per chunk; once the chunk path
 * allocated almost nothing (`part-reader.ts`), 5 of 6 bench runs at 2 MiB fell into ≈ 50 full
 * collections per GiB (up to 1.9 × the raw pipe's CPU); at 1 MiB fewer did (≈ 73 scavenges and 1
 * full collection per GiB in the others), with ≈ 20 MiB less peak RSS (BENCHMARKS.md).
 * `NODE_OPTIONS` accepts this V8 option, so Lambda applies it at start.
 */
export const COPY_NODE_OPTIONS = ['--max-semi-space-size=1'] as const;
