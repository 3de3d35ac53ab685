import { describe, expect, it } from 'vitest';
import { OrdsRequestError, OrdsUnavailableError } from '../../../../functions/core/base/errors.js';
import {
  describeErrorBody,
  networkError,
  sanitizeSnippet,
} from '../../../../functions/core/ords/ords-errors.js';
import { fixtureText } from './fixtures.js';

const URL_ = new URL('https://db.example.com/ords/dbapi_user/_/db-api/stable/database/datapump/jobs/');

describe('describeErrorBody', () => {
  it('reads code, message and instance of a problem+json body', () => {
    expect(describeErrorBody('application/problem+json', fixtureText('problem-unauthorized.json'))).toBe(
      'Unauthorized [tag:oracle.com,2020:ecid/w4UbuP3DtbXhpKJXl3Y5Ng]',
    );
  });

  it('reads a title without a message', () => {
    expect(describeErrorBody('application/problem+json', '{"title":"Service Unavailable"}')).toBe(
      'Service Unavailable',
    );
  });

  it('reads the h1 of an HTML page without a title', () => {
    expect(
      describeErrorBody('text/html', '<html><body><h1>503 <em>Service</em> Unavailable</h1></body></html>'),
    ).toBe('503 Service Unavailable');
  });

  it('strips tags, scripts and styles of an HTML page without title or heading', () => {
    expect(
      describeErrorBody(undefined, '<html><style>p{}</style><p>Pool &amp; database down</p></html>'),
    ).toBe('Pool & database down');
  });

  it('returns plain text as it is, on one line', () => {
    expect(describeErrorBody('text/plain', 'line one\r\nline two\n')).toBe('line one line two');
  });

  it('returns nothing for an empty body', () => {
    expect(describeErrorBody('application/json', '  ')).toBe('');
  });
});

describe('sanitizeSnippet', () => {
  it('masks bearer tokens and password fields', () => {
    expect(sanitizeSnippet('Bearer abc.def-123 and password=hunter2&x=1 and "client_secret":"s3"')).toBe(
      'Bearer *** and password=***&x=1 and "client_secret":"***"',
    );
  });
});

describe('networkError', () => {
  it.each([
    'ECONNREFUSED',
    'ECONNRESET',
    'ETIMEDOUT',
    'EAI_AGAIN',
    'UND_ERR_CONNECT_TIMEOUT',
    'UND_ERR_HEADERS_TIMEOUT',
    'UND_ERR_BODY_TIMEOUT',
    'UND_ERR_SOCKET',
  ])('maps %s to OrdsUnavailableError', (code) => {
    const error = networkError(Object.assign(new Error('boom'), { code }), 'GET', URL_);
    expect(error).toBeInstanceOf(OrdsUnavailableError);
    expect(error.message).toBe(`GET ${URL_.href} failed before ORDS answered (${code}: boom)`);
  });

  it('finds the code inside an AggregateError', () => {
    const inner = Object.assign(new Error('connect ECONNREFUSED ::1:443'), { code: 'ECONNREFUSED' });
    expect(networkError(new AggregateError([inner], 'all failed'), 'GET', URL_)).toBeInstanceOf(
      OrdsUnavailableError,
    );
  });

  it('maps a TLS verification failure to OrdsRequestError', () => {
    const error = networkError(
      Object.assign(new Error('self-signed'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }),
      'GET',
      URL_,
    );
    expect(error).toBeInstanceOf(OrdsRequestError);
    expect(error.message).toContain('caBundle');
  });

  it('maps an unknown host to OrdsRequestError', () => {
    const error = networkError(Object.assign(new Error('getaddrinfo'), { code: 'ENOTFOUND' }), 'GET', URL_);
    expect(error).toBeInstanceOf(OrdsRequestError);
    expect(error.message).toContain('check the ORDS URL');
  });
});
