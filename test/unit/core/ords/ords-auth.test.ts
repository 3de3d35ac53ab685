import { describe, expect, it } from 'vitest';
import { OrdsResponseError } from '../../../../functions/core/base/errors.js';
import { basicAuthorization, parseTokenResponse } from '../../../../functions/core/ords/ords-auth.js';

describe('basicAuthorization', () => {
  it('encodes user:password in UTF-8 base64', () => {
    expect(basicAuthorization('DBAPI_USER', 'pä$$')).toBe(
      `Basic ${Buffer.from('DBAPI_USER:pä$$', 'utf8').toString('base64')}`,
    );
  });
});

describe('parseTokenResponse', () => {
  it('reads the token and its lifetime', () => {
    expect(parseTokenResponse({ access_token: 'T1', token_type: 'bearer', expires_in: 3600 })).toEqual({
      accessToken: 'T1',
      expiresInSeconds: 3600,
    });
  });

  it('keeps a token without expires_in until ORDS refuses it', () => {
    expect(parseTokenResponse({ access_token: 'T1', token_type: 'Bearer' }).expiresInSeconds).toBeNull();
  });

  it('fails without access_token and does not quote the answer', () => {
    expect(() => parseTokenResponse({ token: 'SECRET-TOKEN' })).toThrow(OrdsResponseError);
    expect(() => parseTokenResponse({ token: 'SECRET-TOKEN' })).not.toThrow(/SECRET-TOKEN/);
  });

  it('fails for another token type', () => {
    expect(() => parseTokenResponse({ access_token: 'T1', token_type: 'mac' })).toThrow(/only "bearer"/);
  });
});
