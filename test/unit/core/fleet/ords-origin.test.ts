import { describe, expect, it } from 'vitest';
import { ordsOrigin, originKeyProblem } from '../../../../functions/core/fleet/index.js';

describe('ordsOrigin', () => {
  it.each([
    ['https://db.example.com/ords/hr/', 'https://db.example.com'],
    ['https://DB.Example.com:443/ords/sales/', 'https://db.example.com'],
    ['https://db.example.com:8443/ords/hr/', 'https://db.example.com:8443'],
    ['http://localhost:80/ords/hr/', 'http://localhost'],
    ['http://127.0.0.1:8080/ords/hr/', 'http://127.0.0.1:8080'],
    ['https://[::1]:8443/ords/hr/', 'https://[::1]:8443'],
  ])('gives %s the origin %s', (url, origin) => {
    expect(ordsOrigin(url)).toBe(origin);
  });

  it('counts the same host on two ports as two origins', () => {
    expect(ordsOrigin('https://db.example.com/ords/a/')).not.toBe(
      ordsOrigin('https://db.example.com:8443/ords/a/'),
    );
  });

  it('fails on a URL that is not http(s), naming it', () => {
    expect(() => ordsOrigin('ftp://db.example.com/ords/')).toThrow('"ftp://db.example.com/ords/" uses ftp:');
    expect(() => ordsOrigin('db.example.com')).toThrow('"db.example.com" is not a URL');
  });
});

describe('originKeyProblem', () => {
  it('accepts an origin in its normal form', () => {
    expect(originKeyProblem('https://db.example.com:8443')).toBeNull();
    expect(originKeyProblem('https://db.example.com')).toBeNull();
  });

  it.each([
    ['https://db.example.com:443', 'is written "https://db.example.com"'],
    ['https://DB.example.com', 'is written "https://db.example.com"'],
    ['https://db.example.com/', 'is written "https://db.example.com"'],
    ['https://db.example.com/ords/hr/', 'has more than scheme, host and port'],
    ['https://db.example.com?x=1', 'has more than scheme, host and port'],
    ['db.example.com:8443', 'allowed: https:'],
  ])('fails on %s', (key, message) => {
    expect(originKeyProblem(key)).toContain(message);
  });

  it('fails on an origin with credentials without repeating them', () => {
    const problem = originKeyProblem('https://admin:hunter2@db.example.com');
    expect(problem).toContain('user:password@');
    expect(problem).not.toContain('hunter2');
  });
});
