/**
 * Data Pump's naming rules as the simulator applies them: generated job names, the default
 * `file_name` template, the dump files a template names (`%U`) and the log file name it gives.
 */

/** Characters Data Pump file names may use here; older ORDS put `file_name` into SQL unescaped. */
export const FILE_NAME = /^[A-Za-z0-9_.%-]+$/;
const U_MARK = /%U/i;

/** `YYYYMMDDHH24MISS` in UTC, the suffix of generated job names. */
export function jobTimestamp(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d{3}Z$/, '')
    .replace(/[-:T]/g, '');
}

/** The default `file_name` template: `EXPDAT%U-2026-11-23-02_00_00.DMP`. */
export function defaultFileTemplate(date: Date): string {
  const [day = '', time = ''] = date
    .toISOString()
    .replace(/\.\d{3}Z$/, '')
    .split('T');
  return `EXPDAT%U-${day}-${time.replaceAll(':', '_')}.DMP`;
}

/**
 * The dump file names a template gives: `%U` becomes 01, 02, …; a template without `%U` names one file.
 */
export function dumpFileNames(template: string, count: number): string[] {
  if (!U_MARK.test(template)) return [template];
  return Array.from({ length: count }, (_, index) =>
    template.replace(U_MARK, String(index + 1).padStart(2, '0')),
  );
}

/**
 * The log file name of a template: `%U` is removed together with one separator (`-`, `_` or `.`) right
 * before it, and a final `.DMP` becomes `.LOG` (`.LOG` is appended when the template has no `.DMP`).
 * `ORDERS-20261123T020000Z-1A2B-%U.DMP` → `ORDERS-20261123T020000Z-1A2B.LOG`;
 * `EXPDAT%U-2026-11-23-02_00_00.DMP` → `EXPDAT-2026-11-23-02_00_00.LOG`.
 */
export function logFileName(template: string): string {
  const withoutU = template.replace(/[-_.]?%U/i, '');
  return /\.dmp$/i.test(withoutU) ? withoutU.replace(/\.dmp$/i, '.LOG') : `${withoutU}.LOG`;
}

/** A pattern matching every dump file name a template can give (`%U` → two digits). */
export function templatePattern(template: string): RegExp {
  const escaped = template.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${escaped.replace(/%U/i, '\\d{2}')}$`);
}
