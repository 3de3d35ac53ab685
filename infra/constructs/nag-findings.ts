import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges cdk-nag's `AwsSolutions-IAM5` finding for one wildcard resource on `construct`.
 * cdk-nag names the finding after the resource as it appears in the template (`<Bucket.Arn>/*`),
 * so the id is derived from the same token the grant used, never written by hand.
 */
export function acknowledgeWildcardResource(
  construct: IConstruct,
  resourceArn: string,
  reason: string,
): void {
  const flat = flattenReference(Stack.of(construct).resolve(resourceArn));
  Validations.of(construct).acknowledge({ id: `AwsSolutions-IAM5[Resource::${flat}]`, reason });
}

/** The flat form cdk-nag gives a resolved CloudFormation value (`Fn::GetAtt` → `<Id.Attr>`, `Ref` → `<Id>`). */
function flattenReference(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/}/g, '>');
  const value = node as Record<string, unknown>;
  if (value['Fn::Join']) {
    const [delimiter, items] = value['Fn::Join'] as [string, unknown[]];
    return items.map(flattenReference).join(delimiter);
  }
  if (value['Fn::Sub']) return flattenReference(value['Fn::Sub']);
  if (value['Fn::GetAtt']) {
    const [resource, attribute] = value['Fn::GetAtt'] as [unknown, unknown];
    return `<${flattenReference(resource)}.${flattenReference(attribute)}>`;
  }
  if (value['Fn::ImportValue']) return flattenReference(value['Fn::ImportValue']);
  if (value.Ref) return `<${flattenReference(value.Ref)}>`;
  return JSON.stringify(node);
}
