import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.js';

const MiB = 1024 * 1024;
const PASSWORD = 'Pa55-word-that-must-never-leak';
const CLIENT_SECRET = 'oauth-client-secret-that-must-never-leak';

/** Captures everything written to stdout and stderr while `work` runs (log lines included). */
async function captureOutput<T>(work: () => Promise<T>): Promise<{ value: T; output: string }> {
  const chunks: string[] = [];
  const original = {
    out: process.stdout.write.bind(process.stdout),
    err: process.stderr.write.bind(process.stderr),
  };
  const tap =
    (write: typeof process.stdout.write) =>
    (chunk: unknown, ...rest: unknown[]): boolean => {
      chunks.push(String(chunk));
      return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    };
  process.stdout.write = tap(original.out) as typeof process.stdout.write;
  process.stderr.write = tap(original.err) as typeof process.stderr.write;
  try {
    return { value: await work(), output: chunks.join('') };
  } finally {
    process.stdout.write = original.out;
    process.stderr.write = original.err;
  }
}

describe('secrets never leave the secret', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      users: { DBAPI_USER: PASSWORD },
      oauthClients: { 'backup-client': CLIENT_SECRET },
      dumpFileBytes: 2 * MiB,
    });
  });
  afterAll(() => h.stop());

  const runs = [
    ['Basic', JSON.stringify({ username: 'DBAPI_USER', password: PASSWORD }), PASSWORD],
    ['OAuth2', JSON.stringify({ clientId: 'backup-client', clientSecret: CLIENT_SECRET }), CLIENT_SECRET],
  ] as const;

  it.each(runs)(
    'keeps the %s secret out of every log line, state and output of a whole backup',
    async (kind, secret, value) => {
      const lines: string[] = [];
      const { value: result, output } = await captureOutput(() =>
        h.run({
          database: kind.toLowerCase(),
          secret,
          logLevel: 'DEBUG',
          onProgress: (line) => lines.push(line),
        }),
      );

      expect(result.status).toBe('SUCCEEDED');
      expect(output).toContain('"level":"INFO"');
      const everything = [output, lines.join('\n'), JSON.stringify(result)].join('\n');
      expect(everything).not.toContain(value);
      expect(everything).not.toContain(Buffer.from(`DBAPI_USER:${value}`).toString('base64'));
      // Nor the secret reader role's session credentials (the local STS's secret key and token).
      expect(everything).not.toContain('local-session-secret');
      expect(everything).not.toContain('local-session-token');
    },
  );

  it('keeps the password out of a failed run caused by a wrong password', async () => {
    const wrong = 'wrong-but-still-secret-password';
    const { value: result, output } = await captureOutput(() =>
      h.run({
        database: 'wrong',
        secret: JSON.stringify({ username: 'DBAPI_USER', password: wrong }),
        logLevel: 'DEBUG',
      }),
    );

    expect(result.status).toBe('FAILED');
    expect([output, JSON.stringify(result)].join('\n')).not.toContain(wrong);
  });
});
