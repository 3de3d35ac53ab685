import { MIB } from './part-size.js';

const GIB = 1024 * MIB;

/**
 * What one invocation's copy of a file costs: its rate in MiB/s, the process's CPU per GiB copied
 * (every thread: a SHA-256 worker included), and the copy time of the file over all invocations
 * (the continuation carries the earlier invocations' share as `copyMs`).
 */
export class CopyMeter {
  private readonly startedAt: number;
  private readonly cpuAtStart: number;

  constructor(
    private readonly now: () => number,
    private readonly cpuMicros: () => number,
    /** File offset where this invocation's copy starts. */
    private readonly firstOffset: number,
    /** Copy time of the earlier invocations, in milliseconds. */
    private readonly earlierMs: number,
  ) {
    this.startedAt = now();
    this.cpuAtStart = cpuMicros();
  }

  /** Milliseconds since this invocation's copy started. */
  elapsedMs(): number {
    return this.now() - this.startedAt;
  }

  /** Copy time of the file so far, this invocation included, in whole milliseconds. */
  totalMs(): number {
    return Math.round(this.earlierMs + this.elapsedMs());
  }

  /** MiB/s of this invocation up to file offset `position`, rounded to 0.1. */
  rateMiBps(position: number): number {
    return rate(position - this.firstOffset, this.elapsedMs());
  }

  /** CPU seconds per GiB copied in this invocation, rounded to 0.01; null before any byte. */
  cpuSecondsPerGiB(position: number): number | null {
    const bytes = position - this.firstOffset;
    if (bytes <= 0) return null;
    const seconds = (this.cpuMicros() - this.cpuAtStart) / 1e6;
    return Math.round((seconds / (bytes / GIB)) * 100) / 100;
  }
}

/** A stored file's transfer figures (`StoredFile.transferSeconds`, `.transferMiBps`). */
export function transferFigures(
  bytes: number,
  transferMs: number,
): { transferSeconds: number; transferMiBps: number } {
  const ms = Math.max(transferMs, 1);
  return { transferSeconds: Math.round(ms / 100) / 10, transferMiBps: rate(bytes, ms) };
}

/** MiB/s of `bytes` in `ms`, rounded to 0.1; 0 for no time. */
export function rate(bytes: number, ms: number): number {
  return ms > 0 ? Math.round((bytes / MIB / (ms / 1000)) * 10) / 10 : 0;
}

/** User + system CPU of the whole process (all threads), in microseconds. */
export function processCpuMicros(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}
