import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';

/**
 * Turns the synthesized CloudFormation template into a state machine definition that
 * aws-local-stepfunctions can run, so local runs execute exactly what deploys.
 */

/** A Lambda function of the template, as the local runner needs it. */
export interface TemplateFunction {
  readonly logicalId: string;
  readonly timeoutSeconds: number;
  readonly environment: Readonly<Record<string, unknown>>;
}

/** The runnable definition and the functions its Task states call. */
export interface LocalDefinition {
  readonly definition: Record<string, unknown>;
  /** Task state name → the function it invokes. */
  readonly tasks: ReadonlyMap<string, TemplateFunction>;
}

type Template = { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };

const PLACEHOLDER_ACCOUNT = '000000000000';
const PLACEHOLDER_REGION = 'us-east-1';

/**
 * Synthesizes the app as `cdk synth` does (cdk.json's context, no bundling: the runner calls the
 * handlers' TypeScript directly) and extracts the backup state machine.
 */
export async function synthesizeDefinition(
  projectRoot: string,
  outdir: string,
  machine: StateMachineKind = 'backup',
): Promise<LocalDefinition> {
  const cdkJson = JSON.parse(readFileSync(join(projectRoot, 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  const { buildApp } = await import('../infra/build-app.js');
  const { loadConfig, CONFIG_FILE_CONTEXT_KEY, DEFAULT_CONFIG_FILE } = await import(
    '../infra/config/index.js'
  );
  const context: Record<string, unknown> = { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] };
  const app = new App({ context, outdir });
  const configFile = String(context[CONFIG_FILE_CONTEXT_KEY] ?? DEFAULT_CONFIG_FILE);
  buildApp(app, loadConfig(join(projectRoot, configFile)));
  const assembly = app.synth();
  const templates = assembly.stacks.map((stack) => stack.template as Template);
  return definitionFromTemplates(templates, machine);
}

/** Which state machine of the app: the backup's, or the restore's beside it. */
export type StateMachineKind = 'backup' | 'restore';

/** The restore state machine's logical id (infra/constructs/restore-state-machine.ts, id "Restore"). */
const RESTORE_MACHINE_ID = /RestoreStateMachine[0-9A-F]{8}$/;

/** Finds the one backup (or restore) state machine in the templates and resolves its definition. */
export function definitionFromTemplates(
  templates: readonly Template[],
  machine: StateMachineKind = 'backup',
): LocalDefinition {
  const resources = Object.assign(
    {},
    ...templates.map((template) => template.Resources),
  ) as Template['Resources'];
  const machines = Object.entries(resources).filter(
    ([logicalId, r]) =>
      r.Type === 'AWS::StepFunctions::StateMachine' &&
      RESTORE_MACHINE_ID.test(logicalId) === (machine === 'restore'),
  );
  if (machines.length !== 1) {
    throw new Error(
      `Expected exactly one ${machine} state machine in the synthesized app, found ${machines.length}`,
    );
  }
  const definitionString = resolveIntrinsics(machines[0]![1].Properties?.DefinitionString);
  if (typeof definitionString !== 'string') throw new Error('The state machine has no DefinitionString');
  const definition = JSON.parse(definitionString) as Record<string, unknown>;

  const functions = new Map<string, TemplateFunction>();
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const props = resource.Properties ?? {};
    const env = ((props.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ??
      {}) as Record<string, unknown>;
    functions.set(placeholderArn(logicalId), {
      logicalId,
      timeoutSeconds: Number(props.Timeout ?? 3),
      environment: env,
    });
  }
  const tasks = new Map<string, TemplateFunction>();
  for (const [name, state] of allStates(definition)) {
    if (state.Type !== 'Task') continue;
    const resource = String(state.Resource ?? '');
    const target = (state.Parameters as { FunctionName?: string } | undefined)?.FunctionName ?? resource;
    const fn = functions.get(target);
    if (!fn)
      throw new Error(`Task state "${name}" calls ${target}, which is not a Lambda function of the app`);
    tasks.set(name, fn);
  }
  return { definition, tasks };
}

/** Every state, including those inside Map iterators and Parallel branches. */
export function allStates(definition: Record<string, unknown>): Array<[string, Record<string, unknown>]> {
  const found: Array<[string, Record<string, unknown>]> = [];
  const visit = (machine: unknown) => {
    const states = (machine as { States?: Record<string, Record<string, unknown>> }).States ?? {};
    for (const [name, state] of Object.entries(states)) {
      found.push([name, state]);
      if (state.ItemProcessor) visit(state.ItemProcessor);
      if (state.Iterator) visit(state.Iterator);
      for (const branch of (state.Branches as unknown[] | undefined) ?? []) visit(branch);
    }
  };
  visit(definition);
  return found;
}

function placeholderArn(logicalId: string): string {
  return `arn:aws:lambda:${PLACEHOLDER_REGION}:${PLACEHOLDER_ACCOUNT}:function:${logicalId}`;
}

/** Resolves the intrinsics CDK puts in a definition (Fn::Join, Fn::GetAtt, Ref, pseudo parameters). */
function resolveIntrinsics(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolveIntrinsics);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 1) {
    const [fn, arg] = entries[0]!;
    switch (fn) {
      case 'Fn::Join': {
        const [separator, parts] = arg as [string, unknown[]];
        return parts.map((part) => String(resolveIntrinsics(part))).join(separator);
      }
      case 'Fn::GetAtt': {
        const [logicalId] = arg as [string, string];
        return placeholderArn(logicalId);
      }
      case 'Ref':
        return resolveRef(String(arg));
      default:
        break;
    }
  }
  return Object.fromEntries(entries.map(([key, inner]) => [key, resolveIntrinsics(inner)]));
}

function resolveRef(name: string): string {
  switch (name) {
    case 'AWS::Partition':
      return 'aws';
    case 'AWS::Region':
      return PLACEHOLDER_REGION;
    case 'AWS::AccountId':
      return PLACEHOLDER_ACCOUNT;
    case 'AWS::URLSuffix':
      return 'amazonaws.com';
    default:
      return name;
  }
}
