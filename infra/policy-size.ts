/**
 * The size IAM counts for a policy document, computed at synth from its CloudFormation form.
 * IAM counts the characters of the policy without white space
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html); references that
 * CloudFormation resolves at deploy time are replaced by the longest value they can take.
 */

/** Characters of a customer-managed policy document. */
export const MANAGED_POLICY_MAX_CHARS = 6_144;
/** Characters of all inline policies of one role together. */
export const ROLE_INLINE_POLICIES_MAX_CHARS = 10_240;

/** The longest values of the pseudo parameters (aws-us-gov; regions such as ap-southeast-5 have 14 characters). */
const PSEUDO_PARAMETERS: Readonly<Record<string, string>> = {
  'AWS::Partition': 'aws-us-gov',
  'AWS::Region': 'xx-xxxxxxxxxxx-9',
  'AWS::AccountId': '123456789012',
  'AWS::URLSuffix': 'amazonaws.com.cn',
  'AWS::StackName': 'x'.repeat(128),
};

/**
 * Length of any other reference: resource ARNs and names of this project stay well below it (a
 * Lambda function ARN in aws-us-gov with a 64-character name has 105).
 */
const OTHER_REFERENCE = 'x'.repeat(160);

/** The document as IAM would receive it, with every reference at its longest. */
export function worstCaseJson(resolved: unknown): string {
  return JSON.stringify(render(resolved));
}

/** Characters IAM counts for a resolved policy document. */
export function policyLength(resolved: unknown): number {
  return worstCaseJson(resolved).length;
}

function render(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(render);
  if (node === null || typeof node !== 'object') return node;
  const value = node as Record<string, unknown>;
  const keys = Object.keys(value);
  if (keys.length === 1) {
    const [key] = keys as [string];
    const argument = value[key];
    if (key === 'Ref') return PSEUDO_PARAMETERS[String(argument)] ?? OTHER_REFERENCE;
    if (key === 'Fn::Join') {
      const [delimiter, items] = argument as [string, unknown[]];
      return items.map((item) => String(render(item))).join(delimiter);
    }
    if (key === 'Fn::Sub' && typeof argument === 'string') {
      return argument.replace(
        /\$\{([^}]+)\}/g,
        (_, name: string) => PSEUDO_PARAMETERS[name] ?? OTHER_REFERENCE,
      );
    }
    if (key.startsWith('Fn::')) return OTHER_REFERENCE;
  }
  return Object.fromEntries(keys.map((key) => [key, render(value[key])]));
}
