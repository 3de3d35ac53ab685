import { describe, expect, it } from 'vitest';
import { SecretError } from '../../../../functions/core/base/errors.js';
import { parseOrdsSecret } from '../../../../functions/core/ords/ords-secret.js';

const ID = 'prod/ords/orders';
const PASSWORD = 'Tr0ub4dor&3-never-shown';
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

function messageOf(secretString: string | undefined): string {
  try {
    parseOrdsSecret(ID, secretString);
  } catch (error) {
    expect(error).toBeInstanceOf(SecretError);
    return (error as Error).message;
  }
  throw new Error('expected a SecretError');
}

describe('parseOrdsSecret', () => {
  it('reads Basic credentials', () => {
    expect(parseOrdsSecret(ID, JSON.stringify({ username: 'DBAPI_USER', password: PASSWORD }))).toEqual({
      credentials: { kind: 'basic', username: 'DBAPI_USER', password: PASSWORD },
    });
  });

  it('reads OAuth2 client credentials and a CA bundle, ignoring other keys', () => {
    const secret = parseOrdsSecret(
      ID,
      JSON.stringify({ clientId: 'backup-client', clientSecret: PASSWORD, caBundle: PEM, note: 'x' }),
    );
    expect(secret).toEqual({
      credentials: { kind: 'oauth2', clientId: 'backup-client', clientSecret: PASSWORD },
      caBundle: PEM,
    });
  });

  it('fails without a SecretString', () => {
    expect(messageOf(undefined)).toMatch(/Secret "prod\/ords\/orders" has no SecretString/);
  });

  it('fails for text that is not JSON without quoting it', () => {
    const message = messageOf(`password=${PASSWORD}`);
    expect(message).toMatch(/Secret "prod\/ords\/orders" is not JSON/);
    expect(message).not.toContain(PASSWORD);
  });

  it('fails for broken JSON without quoting it', () => {
    const message = messageOf(`{"username":"DBAPI_USER","password":"${PASSWORD}"`);
    expect(message).not.toContain(PASSWORD);
    expect(message).not.toContain('DBAPI_USER');
  });

  it('fails for a JSON string without quoting it', () => {
    expect(messageOf(JSON.stringify(PASSWORD))).not.toContain(PASSWORD);
  });

  it('fails for both shapes and names the keys', () => {
    const message = messageOf(
      JSON.stringify({ username: 'DBAPI_USER', password: PASSWORD, clientId: 'c', clientSecret: PASSWORD }),
    );
    expect(message).toMatch(/has both Basic keys \(username, password\) and OAuth2 keys/);
    expect(message).not.toContain(PASSWORD);
  });

  it('fails for neither shape', () => {
    expect(messageOf(JSON.stringify({ user: 'DBAPI_USER', pass: PASSWORD }))).toMatch(
      /has neither username\/password nor clientId\/clientSecret/,
    );
  });

  it('fails for a missing password and names the key', () => {
    expect(messageOf(JSON.stringify({ username: 'DBAPI_USER' }))).toMatch(/"password" is missing/);
  });

  it('fails for an empty client secret and names the key', () => {
    expect(messageOf(JSON.stringify({ clientId: 'c', clientSecret: '  ' }))).toMatch(
      /"clientSecret" is empty/,
    );
  });

  it('fails for a password of the wrong type without showing it', () => {
    const message = messageOf(JSON.stringify({ username: 'DBAPI_USER', password: 123456789 }));
    expect(message).toMatch(/"password" must be a string, got number/);
    expect(message).not.toContain('123456789');
  });

  it('fails for a username with a colon', () => {
    expect(messageOf(JSON.stringify({ username: 'A:B', password: PASSWORD }))).toMatch(
      /"username" must not contain ":"/,
    );
  });

  it('fails for a caBundle that is not PEM without showing the password', () => {
    const message = messageOf(
      JSON.stringify({ username: 'DBAPI_USER', password: PASSWORD, caBundle: 'MIIB' }),
    );
    expect(message).toMatch(/"caBundle" must be PEM text/);
    expect(message).not.toContain(PASSWORD);
  });
});
