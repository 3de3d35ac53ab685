import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { App, type CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { expect } from 'vitest';
import { type BackupApp, buildApp } from '../../infra/build-app.js';
import { type BackupConfig, loadConfig, parseConfig } from '../../infra/config/index.js';

/** Helpers shared by the infra tests: an App configured as `cdk synth` configures it, synthesized once. */

export const PROJECT_ROOT = resolve(import.meta.dirname, '..', '..');

const cdkJson = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
  context: Record<string, unknown>;
};

/** The example configuration shipped in config/. */
export function exampleConfig(): BackupConfig {
  return loadConfig(join(PROJECT_ROOT, 'config', 'example.json'));
}

/** A configuration from an inline document (parsed and validated like a file). */
export function configOf(document: unknown): BackupConfig {
  return parseConfig(document, 'test.json');
}

/** An App with cdk.json's context, writing to a temporary directory; bundling skipped unless asked. */
export function newApp(options: { readonly bundle?: boolean } = {}): { app: App; cleanup: () => void } {
  const outdir = mkdtempSync(join(tmpdir(), 'ords-backup-infra-'));
  const context = { ...cdkJson.context, ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }) };
  return {
    app: new App({ context, outdir }),
    cleanup: () => rmSync(outdir, { recursive: true, force: true }),
  };
}

/** The result of building and synthesizing the whole app. */
export interface Synthesized {
  readonly app: App;
  readonly built: BackupApp;
  readonly template: Template;
  /** The main stack's template as JSON. */
  readonly json: TemplateJson;
  /** Every stack's template as JSON, by stack name. */
  readonly jsons: ReadonlyMap<string, TemplateJson>;
  /** The template of the stack of a construct of the app. */
  readonly templateOf: (construct: IConstruct) => Template;
  /** The template JSON of the stack of a construct of the app. */
  readonly jsonOf: (construct: IConstruct) => TemplateJson;
  readonly outdir: string;
  readonly cleanup: () => void;
}

/** Template and definition JSON, navigated freely by the assertions (a wrong path fails the test). */
// biome-ignore lint/suspicious/noExplicitAny: JSON read by assertions only
export type Json = any;

export type TemplateJson = {
  Resources: Record<
    string,
    { Type: string; Properties?: Json; DeletionPolicy?: string; UpdateReplacePolicy?: string }
  >;
  Outputs?: Record<string, Json>;
};

/** Builds the app from `config` and synthesizes it once. */
export function synthesize(config: BackupConfig, options: { readonly bundle?: boolean } = {}): Synthesized {
  const { app, cleanup } = newApp(options);
  const built = buildApp(app, config);
  const assembly = app.synth();
  const jsons = new Map(assembly.stacks.map((stack) => [stack.stackName, stack.template as TemplateJson]));
  const jsonOf = (construct: IConstruct) => jsons.get(Stack.of(construct).stackName)!;
  const json = jsonOf(built.main);
  return {
    app,
    built,
    template: Template.fromJSON(json),
    json,
    jsons,
    jsonOf,
    templateOf: (construct) => Template.fromJSON(jsonOf(construct)),
    outdir: assembly.directory,
    cleanup,
  };
}

/**
 * Matches a reference from another stack to `construct` (its `Ref`, or with `attribute` its
 * `Fn::GetAtt`): the weak cross-stack reference (`Fn::GetStackOutput`) of the construct's stack
 * output, whose name carries the construct's logical id.
 */
export function crossStackReferenceTo(construct: IConstruct): unknown {
  return {
    'Fn::GetStackOutput': expect.objectContaining({
      StackName: Stack.of(construct).stackName,
      OutputName: expect.stringContaining(logicalIdOf(construct)),
    }),
  };
}

/** The logical id of a construct's CloudFormation resource. */
export function logicalIdOf(construct: IConstruct): string {
  const resource = (construct.node.defaultChild ?? construct) as CfnResource;
  return Stack.of(construct).resolve(resource.logicalId) as string;
}

export interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/** Every policy statement attached (inline, through AWS::IAM::Policy) to the role with this logical id. */
export function statementsOfRole(json: TemplateJson, roleLogicalId: string): Statement[] {
  return Object.values(json.Resources)
    .filter((resource) => resource.Type === 'AWS::IAM::Policy')
    .filter((policy) =>
      (policy.Properties.Roles as Array<{ Ref?: string }>).some((role) => role.Ref === roleLogicalId),
    )
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
}

/** The role logical id of the function with this logical id. */
export function roleOfFunction(json: TemplateJson, functionLogicalId: string): string {
  const role = json.Resources[functionLogicalId]?.Properties.Role as { 'Fn::GetAtt': [string, string] };
  return role['Fn::GetAtt'][0];
}

/** The actions of a statement as a list. */
export function actionsOf(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

/** The resources of a statement as a list. */
export function resourcesOf(statement: Statement): unknown[] {
  return Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
}

/**
 * The state machine definition with its tokens replaced by placeholders: `Fn::GetAtt` → `arn:<id>`,
 * `Ref` → `<name>`.
 */
export function stateMachineDefinition(json: TemplateJson): Json {
  // The backup state machine, not the restore's beside it (infra/constructs/restore-state-machine.ts).
  const machine = Object.entries(json.Resources).find(
    ([id, r]) => r.Type === 'AWS::StepFunctions::StateMachine' && !/RestoreStateMachine[0-9A-F]{8}$/.test(id),
  )?.[1];
  const [, parts] = machine!.Properties.DefinitionString['Fn::Join'] as [string, unknown[]];
  const text = parts
    .map((part) => {
      if (typeof part === 'string') return part;
      const value = part as { 'Fn::GetAtt'?: [string, string]; Ref?: string };
      if (value['Fn::GetAtt']) return `arn:${value['Fn::GetAtt'][0]}`;
      return `<${value.Ref}>`;
    })
    .join('');
  return JSON.parse(text);
}

/** Every state of a definition by name, including those of Map item processors. */
export function statesOf(definition: Json): Map<string, Json> {
  const found = new Map<string, Json>();
  const visit = (machine: Json) => {
    for (const [name, state] of Object.entries<Json>(machine.States ?? {})) {
      found.set(name, state);
      if (state.ItemProcessor) visit(state.ItemProcessor);
    }
  };
  visit(definition);
  return found;
}

/** Properties that give a resource its physical name, by resource type. */
export const NAME_PROPERTIES: Readonly<Record<string, readonly string[]>> = {
  'AWS::StepFunctions::StateMachine': ['StateMachineName'],
  'AWS::Logs::LogGroup': ['LogGroupName'],
  'AWS::Scheduler::ScheduleGroup': ['Name'],
  'AWS::Scheduler::Schedule': ['GroupName', 'Name'],
  'AWS::CloudWatch::Alarm': ['AlarmName'],
  'AWS::CloudWatch::Dashboard': ['DashboardName'],
  'AWS::SSM::Parameter': ['Name'],
  'AWS::Lambda::Function': ['FunctionName'],
  'AWS::SNS::Topic': ['TopicName'],
  'AWS::SQS::Queue': ['QueueName'],
  'AWS::S3::Bucket': ['BucketName'],
  'AWS::IAM::Role': ['RoleName'],
  'AWS::IAM::ManagedPolicy': ['ManagedPolicyName'],
  'AWS::EC2::SecurityGroup': ['GroupName'],
};

/** Every physical name set in the templates, as type + name (names of one type must differ). */
export function physicalNames(templates: readonly TemplateJson[]): string[] {
  return templates.flatMap((template) =>
    Object.values(template.Resources).flatMap((resource) => {
      const keys = NAME_PROPERTIES[resource.Type];
      if (!keys || keys.some((key) => resource.Properties?.[key] === undefined)) return [];
      return [`${resource.Type} ${keys.map((key) => JSON.stringify(resource.Properties[key])).join(' ')}`];
    }),
  );
}
