import type { ExportSpec } from '../../functions/core/export/index.js';
import { resolveRestoreDrill as resolve } from '../restore-drill-settings.js';
import type { RestoreDrillSettings } from './database-schema.js';
import { DEFAULT_SCHEDULE } from './defaults.js';
import type { RestoreDrillConfig } from './types.js';

/**
 * Resolves a database's `restoreDrill` from the file against its export, with the rules the
 * construct applies to its props (`infra/restore-drill-settings.ts`).
 */
export function resolveRestoreDrill(
  drill: RestoreDrillSettings,
  spec: ExportSpec,
): { readonly drill?: RestoreDrillConfig; readonly problems: string[] } {
  return resolve(drill, spec, DEFAULT_SCHEDULE.timeZone);
}
