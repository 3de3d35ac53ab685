import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local Secrets Manager endpoint answering `GetSecretValue` (the JSON 1.1 protocol the SDK
 * speaks) from an in-memory map, so handlers read their secret through the same SDK call as in AWS.
 */
export interface LocalSecretsServer {
  /** Set as `AWS_ENDPOINT_URL_SECRETS_MANAGER`. */
  readonly endpoint: string;
  /** Replaces or adds a secret (the SecretString). */
  put(secretId: string, secretString: string): void;
  stop(): Promise<void>;
}

/** Starts the endpoint on 127.0.0.1 with the given secrets. */
export async function startLocalSecretsServer(
  initial: Record<string, string> = {},
): Promise<LocalSecretsServer> {
  const secrets = new Map(Object.entries(initial));
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const reply = (status: number, body: unknown, errorType?: string) => {
        res.writeHead(status, {
          'content-type': 'application/x-amz-json-1.1',
          'x-amzn-requestid': `local-${Date.now()}`,
          ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
        });
        res.end(JSON.stringify(body));
      };
      const target = String(req.headers['x-amz-target'] ?? '');
      if (target !== 'secretsmanager.GetSecretValue') {
        reply(
          400,
          { __type: 'InvalidRequestException', message: `${target} is not supported locally` },
          'InvalidRequestException',
        );
        return;
      }
      let secretId = '';
      try {
        secretId = String(
          (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { SecretId?: unknown }).SecretId ?? '',
        );
      } catch {
        reply(400, { __type: 'InvalidRequestException', message: 'invalid JSON' }, 'InvalidRequestException');
        return;
      }
      const value = secrets.get(secretId);
      if (value === undefined) {
        const message = "Secrets Manager can't find the specified secret.";
        reply(400, { __type: 'ResourceNotFoundException', message }, 'ResourceNotFoundException');
        return;
      }
      reply(200, {
        ARN: `arn:aws:secretsmanager:us-east-1:000000000000:secret:${secretId}-AbCdEf`,
        Name: secretId,
        SecretString: value,
        VersionId: 'local',
        VersionStages: ['AWSCURRENT'],
        CreatedDate: Date.now() / 1000,
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    put: (secretId, secretString) => secrets.set(secretId, secretString),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
