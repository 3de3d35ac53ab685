import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SECRET_DATABASE_TAG } from '../functions/core/ords/index.js';

/**
 * A local endpoint for the AWS control-plane calls the functions make, in the JSON protocols the
 * SDK speaks, from in-memory state: Secrets Manager `GetSecretValue`, SSM `GetParameter` and
 * `GetParametersByPath` (database bindings), Step Functions `DescribeExecution` (run locks), and
 * STS `AssumeRole` (query protocol) for the secret reader role. The handlers reach it through the
 * SDK's own endpoint settings, with the same calls as in AWS.
 *
 * Like the secret reader role's policy, it answers `GetSecretValue` only to a session from
 * `AssumeRole` whose `ords-datapump-backup:database` session tag equals the secret's tag of that key
 * (AccessDeniedException otherwise, and for requests signed with any other key).
 */
export interface LocalAwsServer {
  /** Set as `AWS_ENDPOINT_URL_SECRETS_MANAGER`, `_SSM`, `_SFN` and `_STS`. */
  readonly endpoint: string;
  /**
   * Replaces or adds a secret (the SecretString), tagged `ords-datapump-backup:database=<database>`
   * when `database` is given (a secret without the tag is readable by no session).
   */
  putSecret(secretId: string, secretString: string, database?: string): void;
  /** The sessions `AssumeRole` handed out, in order, with their session tags. */
  readonly sessions: readonly LocalSession[];
  /** Replaces or adds a String parameter. */
  putParameter(name: string, value: string): void;
  /** Records an execution's status (`RUNNING`, `SUCCEEDED`, `FAILED`, …). */
  putExecution(executionArn: string, status: string): void;
  /** Requests answered so far: `X-Amz-Target` and the secret, parameter or execution asked for. */
  readonly calls: readonly string[];
  stop(): Promise<void>;
}

/** A session of `AssumeRole`: the role, the session name and tags, and its access key id. */
export interface LocalSession {
  readonly roleArn: string;
  readonly sessionName: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly accessKeyId: string;
}

type Reply = (status: number, body: unknown, errorType?: string) => void;

interface State {
  readonly secrets: Map<string, { readonly value: string; readonly database: string | undefined }>;
  readonly sessions: LocalSession[];
  /** The access key id that signed the request being answered. */
  accessKeyId: string;
  readonly parameters: Map<string, { value: string; modified: number }>;
  readonly executions: Map<string, string>;
}

/** Starts the endpoint on 127.0.0.1. */
export async function startLocalAwsServer(): Promise<LocalAwsServer> {
  const state: State = {
    secrets: new Map(),
    sessions: [],
    accessKeyId: '',
    parameters: new Map(),
    executions: new Map(),
  };
  const calls: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const credential = /Credential=([^/,\s]+)\//.exec(String(req.headers.authorization ?? ''));
      state.accessKeyId = credential?.[1] ?? '';
      if (String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
        answerQuery(state, new URLSearchParams(text), calls, res);
        return;
      }
      const target = String(req.headers['x-amz-target'] ?? '');
      const reply = replier(req, res);
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(text || '{}') as Record<string, unknown>;
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
    putSecret: (secretId, secretString, database) =>
      state.secrets.set(secretId, { value: secretString, database }),
    sessions: state.sessions,
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
    const secret = state.secrets.get(secretId);
    if (secret === undefined) {
      reply(400, {
        __type: 'ResourceNotFoundException',
        message: "Secrets Manager can't find the specified secret.",
      });
      return;
    }
    const session = state.sessions.find((s) => s.accessKeyId === state.accessKeyId);
    const tag = session?.tags[SECRET_DATABASE_TAG];
    if (tag === undefined || tag !== secret.database) {
      reply(400, {
        __type: 'AccessDeniedException',
        message: `User ${session ? `session ${session.sessionName}` : state.accessKeyId} is not authorized to perform: secretsmanager:GetSecretValue on resource: ${secretId}`,
      });
      return;
    }
    reply(200, {
      ARN: `arn:aws:secretsmanager:us-east-1:000000000000:secret:${secretId}-AbCdEf`,
      Name: secretId,
      SecretString: secret.value,
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

/** STS `AssumeRole` in the query protocol: a session with fresh keys and the request's session tags. */
function answerQuery(state: State, params: URLSearchParams, calls: string[], res: ServerResponse): void {
  const action = params.get('Action') ?? '';
  const tags: Record<string, string> = {};
  for (let n = 1; params.has(`Tags.member.${n}.Key`); n++) {
    tags[params.get(`Tags.member.${n}.Key`)!] = params.get(`Tags.member.${n}.Value`) ?? '';
  }
  calls.push(
    `sts.${action} ${Object.entries(tags)
      .map(([key, value]) => `${key}=${value}`)
      .join(' ')}`.trim(),
  );
  const xml = (status: number, body: string) => {
    res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': `local-${Date.now()}` });
    res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
  };
  const roleArn = params.get('RoleArn') ?? '';
  const sessionName = params.get('RoleSessionName') ?? '';
  if (action !== 'AssumeRole' || !roleArn.startsWith('arn:') || sessionName === '') {
    xml(
      400,
      `<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code><Message>${escapeXml(action)} with RoleArn and RoleSessionName is served locally</Message></Error><RequestId>local</RequestId></ErrorResponse>`,
    );
    return;
  }
  const accessKeyId = `ASIALOCAL${String(state.sessions.length + 1).padStart(11, '0')}`;
  state.sessions.push({ roleArn, sessionName, tags, accessKeyId });
  const seconds = Number(params.get('DurationSeconds') ?? 3600);
  const expiration = new Date(Date.now() + seconds * 1000).toISOString();
  xml(
    200,
    `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials>` +
      `<AccessKeyId>${accessKeyId}</AccessKeyId><SecretAccessKey>local-session-secret</SecretAccessKey>` +
      `<SessionToken>local-session-token-${accessKeyId}</SessionToken><Expiration>${expiration}</Expiration></Credentials>` +
      `<AssumedRoleUser><Arn>${escapeXml(roleArn.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/'))}/${escapeXml(sessionName)}</Arn>` +
      `<AssumedRoleId>AROALOCAL:${escapeXml(sessionName)}</AssumedRoleId></AssumedRoleUser></AssumeRoleResult>` +
      `<ResponseMetadata><RequestId>local</RequestId></ResponseMetadata></AssumeRoleResponse>`,
  );
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
