import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { type Statement, statementsOfRole, type TemplateJson } from './synth.js';

/**
 * Offline evaluation of the synthesized role policies with @cloud-copilot/iam-simulate: the
 * intrinsics are resolved first, the bucket's ARN to `bucketArn`, every other to a placeholder.
 */

export const ACCOUNT = '123456789012';

/** Resolves the intrinsics of the policies: the bucket's ARN is `bucketArn`, every other a placeholder. */
export function resolver(bucketId: string, bucketArn: string): (value: unknown) => unknown {
  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve);
    if (value === null || typeof value !== 'object') return value;
    const object = value as Record<string, unknown>;
    if ('Ref' in object) return object.Ref === 'AWS::Partition' ? 'aws' : `ref-${String(object.Ref)}`;
    if ('Fn::Join' in object) {
      const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
      return parts.map(resolve).join(separator);
    }
    if ('Fn::GetAtt' in object) {
      const [id, attribute] = object['Fn::GetAtt'] as [string, string];
      return id === bucketId && attribute === 'Arn' ? bucketArn : `arn:aws:other:::${id}.${attribute}`;
    }
    return Object.fromEntries(Object.entries(object).map(([key, inner]) => [key, resolve(inner)]));
  };
  return resolve;
}

/** Whether the role `role` of `json` may do `action` on `resource`, with `context` (`Allowed`, …). */
export async function simulateRole(
  json: TemplateJson,
  resolve: (value: unknown) => unknown,
  role: string,
  request: { action: string; resource: string; context?: Record<string, string> },
): Promise<string> {
  const statements = resolve(statementsOfRole(json, role)) as Statement[];
  const answer = await runSimulation(
    {
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      identityPolicies: [{ name: 'Role', policy: { Version: '2012-10-17', Statement: statements } }],
      request: {
        principal: `arn:aws:iam::${ACCOUNT}:role/${role}`,
        action: request.action,
        resource: { resource: request.resource, accountId: ACCOUNT },
        contextVariables: request.context ?? {},
      },
    } as Simulation,
    {},
  );
  if (answer.resultType === 'error') throw new Error(JSON.stringify(answer.errors));
  return answer.overallResult;
}
