/** What a database's last manifests say about its size and speed. */
export interface RunHistory {
  /** Bytes stored by each recent run. */
  readonly totalBytes: readonly number[];
  /** Seconds from the export's start to the manifest, of each recent run. */
  readonly durationSeconds: readonly number[];
}

/** A database waiting to start in a window. */
export interface StartCandidate {
  readonly id: string;
  /** Its recent runs, or none for a database never backed up (or whose manifests cannot be read). */
  readonly history?: RunHistory;
}

/**
 * The order in which databases start in a window: the slowest first (the median duration of their
 * recent runs), then the biggest (median size), then by id; databases without history after all
 * others, by id. Longest-first packs a window best (it is the LPT rule), and medians keep the order
 * stable from night to night: one slow night does not reshuffle the fleet.
 */
export function startOrder(candidates: readonly StartCandidate[]): string[] {
  const keyed = candidates.map((candidate) => ({
    id: candidate.id,
    duration: median(candidate.history?.durationSeconds),
    size: median(candidate.history?.totalBytes),
  }));
  keyed.sort((a, b) => {
    if (a.duration !== undefined && b.duration !== undefined) {
      if (a.duration !== b.duration) return b.duration - a.duration;
      if ((a.size ?? 0) !== (b.size ?? 0)) return (b.size ?? 0) - (a.size ?? 0);
    } else if (a.duration !== undefined) return -1;
    else if (b.duration !== undefined) return 1;
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
  return keyed.map((entry) => entry.id);
}

/** The median of the finite, non-negative values, or undefined when there are none. */
function median(values: readonly number[] | undefined): number | undefined {
  const usable = (values ?? []).filter((value) => Number.isFinite(value) && value >= 0);
  if (usable.length === 0) return undefined;
  const sorted = [...usable].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
