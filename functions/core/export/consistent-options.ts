import { z } from 'zod';

/**
 * The Data Pump options of a database's point-in-time export, as the configuration, the construct
 * prop and the binding carry them (`consistentExport`). Free: `excludeStatistics`, `filesizeBytes`.
 * Paid: `compression` (Advanced Compression) and `encryption` (Advanced Security) are refused at synth
 * unless `licensedOptions` acknowledges them; a parallel degree above 1 (`export.threads`) needs
 * `enterprise-edition` on this path. What was used is recorded in the manifest.
 */

/** Paid options an operator can acknowledge holding a licence for. */
export const LICENSED_OPTIONS = ['advanced-compression', 'advanced-security', 'enterprise-edition'] as const;

/** Smallest and largest `FILESIZE` (bytes): 10 MiB, 1 TiB. */
export const FILESIZE_BYTES = { min: 10 * 1024 * 1024, max: 1024 ** 4 } as const;

export const ConsistentOptionsSchema = z.strictObject({
  /** Leave optimizer statistics out (faster; statistics are regathered after an import). */
  excludeStatistics: z.boolean().optional(),
  /** Largest size of one dump file (`FILESIZE`), in bytes; without it the size grows with the last backup. */
  filesizeBytes: z.number().int().min(FILESIZE_BYTES.min).max(FILESIZE_BYTES.max).optional(),
  /** `COMPRESSION` ALL or DATA_ONLY: Advanced Compression. */
  compression: z.enum(['ALL', 'DATA_ONLY']).optional(),
  /** `ENCRYPTION` with the TDE wallet: Advanced Security. */
  encryption: z.enum(['ALL', 'DATA_ONLY', 'METADATA_ONLY']).optional(),
  /** Paid options whose licence the operator acknowledges. */
  licensedOptions: z.array(z.enum(LICENSED_OPTIONS)).optional(),
});
export type ConsistentOptions = z.output<typeof ConsistentOptionsSchema>;

/**
 * The option set but not acknowledged, naming it and the licence, or null. Checked at synth: a paid
 * option is never sent unless acknowledged. (`threads` is not checked here: the ORDS export POST may
 * use it; the point-in-time path refuses it at run time, and `auto` then backs up per-table.)
 */
export function unacknowledgedOption(options: ConsistentOptions): string | null {
  const acknowledged = new Set(options.licensedOptions ?? []);
  if (options.compression && !acknowledged.has('advanced-compression')) {
    return `consistentExport.compression "${options.compression}" needs the Oracle licence "advanced-compression": add it to consistentExport.licensedOptions to acknowledge it, or remove compression`;
  }
  if (options.encryption && !acknowledged.has('advanced-security')) {
    return `consistentExport.encryption "${options.encryption}" needs the Oracle licence "advanced-security": add it to consistentExport.licensedOptions to acknowledge it, or remove encryption`;
  }
  return null;
}
