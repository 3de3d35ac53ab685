import { statSync } from 'node:fs';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { MANAGED_POLICY_MAX_CHARS, policyLength, ROLE_INLINE_POLICIES_MAX_CHARS } from './policy-size.js';

/**
 * Checks of the synthesized templates against the CloudFormation and IAM limits a large
 * configuration can reach (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html,
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html). Run by the app entry
 * after every synth, so an oversized configuration fails before anything deploys.
 */

/** Resources per stack. */
export const MAX_RESOURCES_PER_STACK = 500;
/** Bytes of a template uploaded through S3 (1 MB; counted as 10^6 bytes to be safe). */
export const MAX_TEMPLATE_BYTES = 1_000_000;
/** Outputs per stack. */
export const MAX_OUTPUTS_PER_STACK = 200;
/** Parameters per stack. */
export const MAX_PARAMETERS_PER_STACK = 200;
/** Bytes of a state machine definition (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html). */
export const STATE_MACHINE_DEFINITION_MAX_BYTES = 1_048_576;
/** Bytes of a function's environment variables, keys and values (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html). */
export const LAMBDA_ENVIRONMENT_MAX_BYTES = 4096;
/** Bytes of a function with its layers, unzipped (the same page). */
export const LAYER_UNZIPPED_MAX_BYTES = 262_144_000;
/**
 * What a reference (`Ref`, `Fn::GetAtt`, …) in a definition or environment may resolve to at
 * deploy time, counted instead of its unresolved form: an ARN or URL of generous length.
 */
const RESOLVED_TOKEN_CHARS = 256;

/** One synthesized stack. */
export interface StackTemplate {
  readonly stackName: string;
  readonly template: TemplateShape;
  /** Size of the template file as deployed. */
  readonly bytes: number;
}

/** The parts of a template these checks read. */
export interface TemplateShape {
  readonly Resources?: Record<
    string,
    { readonly Type: string; readonly Properties?: Record<string, unknown> }
  >;
  readonly Outputs?: Record<string, unknown>;
  readonly Parameters?: Record<string, unknown>;
}

/** The templates of a cloud assembly with their sizes on disk. */
export function templatesOf(assembly: CloudAssembly): StackTemplate[] {
  return assembly.stacks.map((stack) => ({
    stackName: stack.stackName,
    template: stack.template as TemplateShape,
    bytes: statSync(stack.templateFullPath).size,
  }));
}

/** One sentence per limit a template exceeds; empty when all fit. */
export function stackLimitProblems(stacks: readonly StackTemplate[]): string[] {
  const problems: string[] = [];
  const lower = 'lower databasesPerStack in the configuration';
  for (const { stackName, template, bytes } of stacks) {
    const resources = Object.entries(template.Resources ?? {});
    if (resources.length >= MAX_RESOURCES_PER_STACK) {
      problems.push(
        `stack ${stackName} has ${resources.length} resources; CloudFormation allows fewer than ${MAX_RESOURCES_PER_STACK}: ${lower}`,
      );
    }
    if (bytes > MAX_TEMPLATE_BYTES) {
      problems.push(
        `stack ${stackName} has a template of ${bytes} bytes; CloudFormation allows ${MAX_TEMPLATE_BYTES}: ${lower}`,
      );
    }
    const outputs = Object.keys(template.Outputs ?? {}).length;
    if (outputs > MAX_OUTPUTS_PER_STACK) {
      problems.push(
        `stack ${stackName} has ${outputs} outputs; CloudFormation allows ${MAX_OUTPUTS_PER_STACK}`,
      );
    }
    const parameters = Object.keys(template.Parameters ?? {}).length;
    if (parameters > MAX_PARAMETERS_PER_STACK) {
      problems.push(
        `stack ${stackName} has ${parameters} parameters; CloudFormation allows ${MAX_PARAMETERS_PER_STACK}`,
      );
    }
    problems.push(...serviceLimitProblems(stackName, resources));

    const inlineByRole = new Map<string, number>();
    for (const [id, resource] of resources) {
      const properties = resource.Properties ?? {};
      if (resource.Type === 'AWS::IAM::ManagedPolicy') {
        const length = policyLength(properties.PolicyDocument);
        if (length > MANAGED_POLICY_MAX_CHARS) {
          problems.push(
            `stack ${stackName}: managed policy ${id} has up to ${length} characters; IAM allows ${MANAGED_POLICY_MAX_CHARS}`,
          );
        }
      }
      if (resource.Type === 'AWS::IAM::Policy') {
        const length = policyLength(properties.PolicyDocument);
        for (const role of (properties.Roles as unknown[] | undefined) ?? []) {
          const key = JSON.stringify(role);
          inlineByRole.set(key, (inlineByRole.get(key) ?? 0) + length);
        }
      }
    }
    for (const [role, length] of inlineByRole) {
      if (length > ROLE_INLINE_POLICIES_MAX_CHARS) {
        problems.push(
          `stack ${stackName}: the inline policies of role ${role} have up to ${length} characters; ` +
            `IAM allows ${ROLE_INLINE_POLICIES_MAX_CHARS} per role`,
        );
      }
    }
  }
  return problems;
}

/** The Step Functions and Lambda limits a template's resources can reach. */
function serviceLimitProblems(
  stackName: string,
  resources: ReadonlyArray<
    [string, { readonly Type: string; readonly Properties?: Record<string, unknown> }]
  >,
): string[] {
  const problems: string[] = [];
  for (const [id, resource] of resources) {
    const properties = resource.Properties ?? {};
    if (resource.Type === 'AWS::StepFunctions::StateMachine') {
      const bytes = resolvedLength(properties.DefinitionString ?? properties.Definition);
      if (bytes > STATE_MACHINE_DEFINITION_MAX_BYTES) {
        problems.push(
          `stack ${stackName}: state machine ${id} has a definition of up to ${bytes} bytes; Step Functions allows ${STATE_MACHINE_DEFINITION_MAX_BYTES}`,
        );
      }
    }
    if (resource.Type === 'AWS::Lambda::Function') {
      const variables = (properties.Environment as { Variables?: Record<string, unknown> } | undefined)
        ?.Variables;
      const bytes = Object.entries(variables ?? {}).reduce(
        (sum, [key, value]) => sum + Buffer.byteLength(key) + resolvedLength(value),
        0,
      );
      if (bytes > LAMBDA_ENVIRONMENT_MAX_BYTES) {
        problems.push(
          `stack ${stackName}: function ${id} has up to ${bytes} bytes of environment; Lambda allows ${LAMBDA_ENVIRONMENT_MAX_BYTES}`,
        );
      }
    }
  }
  return problems;
}

/**
 * Bytes of a template value once deployed: a string as is, an `Fn::Join` as its parts, any other
 * intrinsic function as {@link RESOLVED_TOKEN_CHARS}.
 */
function resolvedLength(value: unknown): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value !== 'object') return String(value).length;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join) return join[1].reduce<number>((sum, part) => sum + resolvedLength(part), 0);
  return RESOLVED_TOKEN_CHARS;
}
