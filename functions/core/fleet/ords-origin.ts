/**
 * The ORDS origin of a URL: scheme, host and port, the unit ORDS slots are counted per. Written as
 * `https://host[:port]`, lower case, the default port (443 for https, 80 for http) left out, so
 * `https://DB.example.com:443/ords/hr/` and `https://db.example.com/ords/sales/` share one origin.
 */
export function ordsOrigin(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`"${url}" is not a URL; allowed: https://host[:port]/…`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new Error(`"${url}" uses ${parsed.protocol}; allowed: https: (http: on loopback)`);
  }
  return parsed.origin;
}

/**
 * Why `key` is not an ORDS origin as `ordsCaps` takes it (`https://host[:port]`, nothing after the
 * port), or null when it is. A key with a default port or upper-case letters is refused with its
 * normal form, so two keys can never name one origin.
 */
export function originKeyProblem(key: string): string | null {
  let origin: string;
  try {
    origin = ordsOrigin(key);
  } catch (error) {
    return (error as Error).message;
  }
  if (key === origin) return null;
  const url = new URL(key);
  // Never echoed: this message ends up in synth errors and logs.
  if (url.username !== '' || url.password !== '')
    return `an origin must not contain user:password@: write "${origin}"`;
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '' || key.includes('?')) {
    return `"${key}" has more than scheme, host and port: write "${origin}"`;
  }
  return `"${key}" is written "${origin}" (lower case, no default port, no trailing /)`;
}
