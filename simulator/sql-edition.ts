/** The doctor's edition query: the first banner line of V$VERSION (`edition` switch). */
export const EDITION_QUERY = /^SELECT\s+banner\s+FROM\s+v\$version\s+WHERE\s+ROWNUM\s*=\s*1$/i;

/** The banner of a simulated database of `edition`. */
export function bannerOf(edition: string): string {
  return `Oracle Database 19c ${edition} Release 19.0.0.0.0 - Production`;
}
