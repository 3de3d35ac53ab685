import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local endpoint for the AWS control-plane calls the functions make, in the JSON protocols the
 * SDK speaks, from in-memory state: Secrets Manager `GetSecretValue`, SSM `GetParameter` and
 * `GetParametersByPath` (database bindings), Step Functions `DescribeExecution` (run locks). The
 * handlers reach it through the SDK's own endpoint settings, with the same calls as in AWS.
 */
export interface LocalAwsServer {
  /** Set as `AWS_ENDPOINT_URL_SECRETS_MANAGER`, `AWS_ENDPOINT_URL_SSM` and `AWS_ENDPOINT_URL_SFN`. */
  readonly endpoint: string;
  /** Replaces or adds a secret (the SecretString). */
  putSecret(secretId: string, secretString: string): void;
  /** Replaces or adds a String parameter. */
  putParameter(name: string, value: string): void;
  /** Records an execution's status (`RUNNING`, `SUCCEEDED`, `FAILED`, …). */
  putExecution(executionArn: string, status: string): void;
  /** Requests answered so far: `X-Amz-Target` and the secret, parameter or execution asked for. */
  readonly calls: readonly string[];
  stop(): Promise<void>;
}

type Reply = (status: number, body: unknown, errorType?: string) => void;

interface State {
  readonly secrets: Map<string, string>;
  readonly parameters: Map<string, { value: string; modified: number }>;
  readonly executions: Map<string, string>;
}

/** Starts the endpoint on 127.0.0.1. */
export async function startLocalAwsServer(): Promise<LocalAwsServer> {
  const state: State = { secrets: new Map(), parameters: new Map(), executions: new Map() };
  const calls: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const reply = replier(req, res);
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        reply(400, { __type: 'ValidationException', message: 'invalid JSON' }, 'ValidationException');
        return;
      }
      const subject = body.SecretId ?? body.Name ?? body.Path ?? body.executionArn;
      calls.push(subject === undefined ? target : `${target} ${String(subject)}`);
      const handle = HANDLERS[target];
      if (!handle) {
        reply(400, { __type: 'UnknownOperationException', message: `${target} is not served locally` });
        return;
      }
      handle(state, body, reply);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    putSecret: (secretId, secretString) => state.secrets.set(secretId, secretString),
    putParameter: (name, value) => state.parameters.set(name, { value, modified: Date.now() }),
    putExecution: (arn, status) => state.executions.set(arn, status),
    calls,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function replier(req: IncomingMessage, res: ServerResponse): Reply {
  // Step Functions speaks JSON 1.0; Secrets Manager and SSM speak JSON 1.1.
  const contentType = String(req.headers['content-type'] ?? 'application/x-amz-json-1.1');
  return (status, body, errorType) => {
    const type = errorType ?? (status >= 400 ? String((body as { __type?: string }).__type ?? '') : '');
    res.writeHead(status, {
      'content-type': contentType,
      'x-amzn-requestid': `local-${Date.now()}`,
      ...(type ? { 'x-amzn-errortype': type } : {}),
    });
    res.end(JSON.stringify(body));
  };
}

const HANDLERS: Record<string, (state: State, body: Record<string, unknown>, reply: Reply) => void> = {
  'secretsmanager.GetSecretValue': (state, body, reply) => {
    const secretId = String(body.SecretId ?? '');
    const value = state.secrets.get(secretId);
    if (value === undefined) {
      reply(400, {
        __type: 'ResourceNotFoundException',
        message: "Secrets Manager can't find the specified secret.",
      });
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
  },
  'AmazonSSM.GetParameter': (state, body, reply) => {
    const name = String(body.Name ?? '');
    const parameter = state.parameters.get(name);
    if (!parameter) {
      reply(400, { __type: 'ParameterNotFound', message: `Parameter ${name} not found.` });
      return;
    }
    reply(200, { Parameter: toParameter(name, parameter) });
  },
  'AmazonSSM.GetParametersByPath': (state, body, reply) => {
    const path = `${String(body.Path ?? '').replace(/\/+$/, '')}/`;
    const recursive = body.Recursive === true;
    const names = [...state.parameters.keys()]
      .filter((name) => name.startsWith(path) && (recursive || !name.slice(path.length).includes('/')))
      .sort();
    const start = Number(body.NextToken ?? 0);
    const size = Math.min(Number(body.MaxResults ?? 10), 10);
    const page = names.slice(start, start + size);
    reply(200, {
      Parameters: page.map((name) => toParameter(name, state.parameters.get(name)!)),
      ...(start + size < names.length ? { NextToken: String(start + size) } : {}),
    });
  },
  'AWSStepFunctions.DescribeExecution': (state, body, reply) => {
    const executionArn = String(body.executionArn ?? '');
    const status = state.executions.get(executionArn);
    if (!status) {
      reply(400, { __type: 'ExecutionDoesNotExist', message: `Execution Does Not Exist: '${executionArn}'` });
      return;
    }
    const name = executionArn.split(':').at(-1);
    reply(200, {
      executionArn,
      stateMachineArn: executionArn.replace(':execution:', ':stateMachine:').replace(/:[^:]+$/, ''),
      name,
      status,
      startDate: Date.now() / 1000,
    });
  },
};

function toParameter(name: string, parameter: { value: string; modified: number }) {
  return {
    Name: name,
    Type: 'String',
    Value: parameter.value,
    Version: 1,
    LastModifiedDate: parameter.modified / 1000,
    ARN: `arn:aws:ssm:us-east-1:000000000000:parameter${name}`,
    DataType: 'text',
  };
}
