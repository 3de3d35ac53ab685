import { z } from 'zod';
import { LOG_MARKER, stripLogLinePrefix } from '../../functions/core/export/index.js';

/**
 * What `npm run verify` shows of a manifest's `consistency` (issue 24, item 6): the path and mode; for
 * a point-in-time backup the SCN, the database time it was read at, the Data Pump parameters sent and
 * the log lines that prove them; for a per-table backup the reason. Where verify downloads the stored
 * log (`--download`), the log's marker line must name the manifest's SCN.
 */

/** The manifest's `consistency` as verify reads it (lenient: a newer writer may add fields). */
const ConsistencyClaimSchema = z.object({
  path: z.string().min(1),
  mode: z.enum(['point-in-time', 'per-table']),
  reason: z.string().optional(),
  scn: z.string().regex(/^\d+$/, 'an SCN is digits only').optional(),
  scnReadAt: z.string().optional(),
  evidence: z.array(z.string()).optional(),
  parameters: z.array(z.object({ call: z.string(), name: z.string(), value: z.string() })).optional(),
  licensedOptions: z.array(z.string()).optional(),
});
export type ConsistencyClaim = z.output<typeof ConsistencyClaimSchema>;

/** What a manifest written before `consistency` existed means: every such backup was per-table. */
export const UNRECORDED_CONSISTENCY: ConsistencyClaim = {
  path: 'ords-export',
  mode: 'per-table',
  reason:
    'not recorded: the manifest was written before consistency was recorded (the ORDS export POST, per-table)',
};

/** Reads `consistency` of a manifest; throws naming the bad field. */
export function readConsistencyClaim(value: unknown): ConsistencyClaim {
  if (value === undefined) return UNRECORDED_CONSISTENCY;
  const parsed = ConsistencyClaimSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `its consistency is not readable at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  if (parsed.data.mode === 'point-in-time' && parsed.data.scn === undefined) {
    throw new Error('its consistency claims point-in-time without an SCN');
  }
  return parsed.data;
}

/** The lines verify prints for `claim`, without a trailing newline. */
export function describeClaim(claim: ConsistencyClaim): string[] {
  const lines = [`consistency: ${claim.mode} (path ${claim.path})`];
  if (claim.mode === 'per-table') {
    lines.push(`  reason: ${claim.reason ?? 'none recorded'}`);
    return lines;
  }
  lines.push(`  SCN ${claim.scn}, read at ${claim.scnReadAt ?? 'unknown (job adopted after a lost answer)'}`);
  if (claim.parameters?.length) {
    lines.push('  Data Pump parameters sent:');
    for (const setting of claim.parameters)
      lines.push(`    ${setting.call} ${setting.name} = ${setting.value}`);
  }
  if (claim.licensedOptions?.length)
    lines.push(`  licensed options used: ${claim.licensedOptions.join(', ')}`);
  if (claim.evidence?.length) {
    lines.push('  log lines that prove it:');
    for (const line of claim.evidence) lines.push(`    ${line}`);
  }
  return lines;
}

/** The outcome of checking the stored log against the claim: `checked` false when it was not read. */
export interface LogScnCheck {
  readonly checked: boolean;
  /** The SCN the log's marker line names, null when it has none (or was not read). */
  readonly logScn: string | null;
  readonly problems: readonly string[];
}

/**
 * Checks the stored log `log` of the run `runId` against a point-in-time `claim`: its `LOG_ENTRY`
 * marker line must name the manifest's SCN, and the evidence's marker line must be in the log. With
 * `downloaded` (every listed file was read) a manifest that lists no log fails: nothing proves the
 * SCN. A per-table claim has nothing to prove in the log.
 */
export function checkLogScn(
  claim: ConsistencyClaim,
  runId: string | undefined,
  log: { readonly key: string; readonly text: string } | undefined,
  downloaded = false,
): LogScnCheck {
  if (claim.mode !== 'point-in-time') return { checked: false, logScn: null, problems: [] };
  if (log === undefined && downloaded) {
    const problem = `the manifest lists no log file, so nothing proves its SCN ${claim.scn}`;
    return { checked: true, logScn: null, problems: [problem] };
  }
  if (log === undefined) return { checked: false, logScn: null, problems: [] };
  const marker = new RegExp(`^${LOG_MARKER} run=(\\S+) FLASHBACK_SCN=(\\d+)\\s*$`);
  const markers: { line: string; run: string; scn: string }[] = [];
  for (const raw of log.text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/)) {
    const line = stripLogLinePrefix(raw.trim());
    const found = marker.exec(line);
    if (found) markers.push({ line, run: found[1] as string, scn: found[2] as string });
  }
  const own = markers.find((entry) => runId === undefined || entry.run === runId);
  if (own === undefined) {
    return {
      checked: true,
      logScn: null,
      problems: [
        `the log ${log.key} has no "${LOG_MARKER} run=${runId ?? '…'} FLASHBACK_SCN=…" line, ` +
          `so nothing proves the manifest's SCN ${claim.scn}`,
      ],
    };
  }
  const problems: string[] = [];
  if (own.scn !== claim.scn) {
    problems.push(`the log ${log.key} names SCN ${own.scn} (${own.line}), the manifest SCN ${claim.scn}`);
  }
  const evidenceMarker = claim.evidence?.[0];
  if (evidenceMarker !== undefined && !markers.some((entry) => entry.line === evidenceMarker.trim())) {
    problems.push(`the manifest's evidence line "${evidenceMarker}" is not in the log ${log.key}`);
  }
  return { checked: true, logScn: own.scn, problems };
}
