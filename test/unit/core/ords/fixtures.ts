import { readFileSync } from 'node:fs';

/** The configured ORDS URL the recorded bodies in test/fixtures/ords/ were taken from. */
export const BASE = 'https://db.example.com:8443/ords/pdb1/dbapi_user/';

/** A recorded ORDS body from test/fixtures/ords/, as text. */
export function fixtureText(name: string): string {
  return readFileSync(new URL(`../../../fixtures/ords/${name}`, import.meta.url), 'utf8');
}

/** A recorded ORDS body from test/fixtures/ords/, parsed. */
export function fixture(name: string): unknown {
  return JSON.parse(fixtureText(name));
}
