import { describe, expect, it } from 'vitest';
import {
  exportUrl,
  jobFileUrl,
  jobsUrl,
  jobUrl,
  parseOrdsUrl,
  tokenUrl,
} from '../../../../functions/core/ords/ords-url.js';

describe('parseOrdsUrl', () => {
  it('adds the trailing slash', () => {
    expect(parseOrdsUrl('https://db.example.com:8443/ords/pdb1/dbapi_user').href).toBe(
      'https://db.example.com:8443/ords/pdb1/dbapi_user/',
    );
  });

  it('keeps a URL that already ends with a slash', () => {
    expect(parseOrdsUrl('https://db.example.com/ords/dbapi_user/').href).toBe(
      'https://db.example.com/ords/dbapi_user/',
    );
  });

  it.each([
    'http://localhost:8080/ords/dbapi_user/',
    'http://127.0.0.1:8080/ords/dbapi_user/',
    'http://127.10.20.30/ords/dbapi_user/',
    'http://[::1]:8080/ords/dbapi_user/',
  ])('accepts http: for the loopback host of %s', (value) => {
    expect(parseOrdsUrl(value).protocol).toBe('http:');
  });

  it('fails for http: on a non-loopback host and says https is required', () => {
    expect(() => parseOrdsUrl('http://db.example.com/ords/dbapi_user/')).toThrow(
      /"http:\/\/db\.example\.com\/ords\/dbapi_user\/".*only https: is allowed, http: only for loopback/,
    );
  });

  it('fails for another scheme', () => {
    expect(() => parseOrdsUrl('ftp://db.example.com/ords/dbapi_user/')).toThrow(/uses ftp:/);
  });

  it('fails for credentials in the URL without repeating the password', () => {
    let message = '';
    try {
      parseOrdsUrl('https://admin:S3cret-pw@db.example.com/ords/dbapi_user/');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/must not contain user:password@/);
    expect(message).not.toContain('S3cret-pw');
    expect(message).not.toContain('admin');
  });

  it('fails for a query', () => {
    expect(() => parseOrdsUrl('https://db.example.com/ords/dbapi_user/?x=1')).toThrow(
      /must not contain a query/,
    );
  });

  it('fails for a fragment', () => {
    expect(() => parseOrdsUrl('https://db.example.com/ords/dbapi_user/#top')).toThrow(
      /must not contain a fragment/,
    );
  });

  it('fails for a URL without a path', () => {
    expect(() => parseOrdsUrl('https://db.example.com')).toThrow(/has no path/);
  });

  it('fails for text that is not a URL and names it', () => {
    expect(() => parseOrdsUrl('db.example.com/ords')).toThrow(/"db\.example\.com\/ords" is not a valid URL/);
  });
});

describe('route building', () => {
  const base = parseOrdsUrl('https://db.example.com/ords/pdb1/dbapi_user/');
  const api = 'https://db.example.com/ords/pdb1/dbapi_user/_/db-api/stable/database/datapump';

  it('builds the export, jobs and token routes', () => {
    expect(exportUrl(base).href).toBe(`${api}/export`);
    expect(jobsUrl(base).href).toBe(`${api}/jobs/`);
    expect(tokenUrl(base).href).toBe('https://db.example.com/ords/pdb1/dbapi_user/oauth/token');
  });

  it('joins owner and job with a literal comma and encodes each part', () => {
    expect(jobUrl(base, 'DBAPI_USER', 'JOB 1/2').href).toBe(`${api}/jobs/DBAPI_USER,JOB%201%2F2/`);
  });

  it('encodes the file name of a file route', () => {
    expect(jobFileUrl(base, 'DBAPI_USER', 'J1', 'A B#01.DMP').href).toBe(
      `${api}/jobs/DBAPI_USER,J1/A%20B%2301.DMP`,
    );
  });
});
