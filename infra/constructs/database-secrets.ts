import { Stack } from 'aws-cdk-lib';
import {
  AccountPrincipal,
  type AddToPrincipalPolicyResult,
  type IRole,
  ManagedPolicy,
  PolicyDocument,
  type PolicyStatement,
  PrincipalBase,
  type PrincipalPolicyFragment,
} from 'aws-cdk-lib/aws-iam';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, DependencyGroup } from 'constructs';
import { type DatabaseConfig, parseSecretReference } from '../config/index.js';
import { MANAGED_POLICY_MAX_CHARS, policyLength } from '../policy-size.js';

/** Properties of `DatabaseSecrets`. */
export interface DatabaseSecretsProps {
  /** The databases; the secrets of the enabled ones become readable. */
  readonly databases: readonly DatabaseConfig[];
  /** Who may read them: the roles of the functions that call ORDS (possibly of another stack). */
  readonly readers: readonly IRole[];
  /**
   * Characters one policy may have, as IAM counts them (without white space, references at their
   * longest). IAM allows 6,144 per customer-managed policy; the default keeps a margin.
   * @default 6,000
   */
  readonly maxPolicyLength?: number;
}

/**
 * Grants the functions that call ORDS read access to each enabled database's existing secret,
 * through customer-managed policies of this construct's stack attached to the readers' roles.
 *
 * Why managed policies and not grants on the roles: a grant writes the secret's ARN into each
 * role's inline policy, and IAM caps all inline policies of a role at 10,240 characters — about a
 * hundred secrets. Managed policies of 6,144 characters each (about 70 typical secret ARNs) are
 * filled in configuration order, as many as needed; IAM allows 10 per role by default, which the
 * app checks across all stacks. The statements are still the secrets' own `grantRead` statements
 * (GetSecretValue and DescribeSecret on the secret's ARN; `-??????` appended to names and partial
 * ARNs). An ARN that ends in `-` and 6 letters or digits may be complete or partial
 * (`…:secret:prod/ords/orders-reader`), so both forms are granted: the ARN as written and the ARN
 * followed by `-??????`. Either way the function reads exactly the secret the configuration names.
 */
export class DatabaseSecrets extends Construct {
  /** The imported secrets, by database id. */
  readonly secrets: ReadonlyMap<string, ISecret>;
  /** The policies, in order; empty when no database is enabled. */
  readonly policies: readonly ManagedPolicy[];

  constructor(scope: Construct, id: string, props: DatabaseSecretsProps) {
    super(scope, id);
    const maxLength = props.maxPolicyLength ?? 6_000;
    if (!Number.isInteger(maxLength) || maxLength < 1_000 || maxLength > MANAGED_POLICY_MAX_CHARS) {
      throw new Error(
        `${this.node.path}: maxPolicyLength must be a whole number from 1000 to ${MANAGED_POLICY_MAX_CHARS} ` +
          `(IAM's limit for a managed policy), got ${maxLength}`,
      );
    }

    const stack = Stack.of(this);
    const secrets = new Map<string, ISecret>();
    const bins: PolicyStatement[][] = [];
    let current: PolicyStatement[] = [];
    const lengthOf = (statements: PolicyStatement[]) =>
      policyLength(stack.resolve(new PolicyDocument({ minimize: true, statements })));

    for (const database of props.databases) {
      if (!database.enabled) continue;
      const collector = new StatementCollector(stack.account);
      const imported = importSecret(this, database.id, database.secret);
      for (const secret of imported) secret.grantRead(collector);
      secrets.set(database.id, imported[0]!);

      if (lengthOf(collector.statements) > maxLength) {
        throw new Error(
          `${this.node.path}: database "${database.id}": the policy for secret "${database.secret}" alone ` +
            `has more than ${maxLength} characters`,
        );
      }
      if (current.length > 0 && lengthOf([...current, ...collector.statements]) > maxLength) {
        bins.push(current);
        current = [];
      }
      current.push(...collector.statements);
    }
    if (current.length > 0) bins.push(current);

    this.policies = bins.map(
      (statements, index) =>
        new ManagedPolicy(this, `ReadSecrets${index + 1}`, {
          description: `Lets the ords-datapump-backup functions that call ORDS read their databases' secrets (${index + 1} of ${bins.length} in this stack)`,
          roles: [...props.readers],
          statements,
        }),
    );
    this.secrets = secrets;
  }
}

/** A principal that only collects the statements a grant adds to it. */
class StatementCollector extends PrincipalBase {
  readonly statements: PolicyStatement[] = [];
  override readonly principalAccount: string | undefined;

  constructor(account: string) {
    super();
    this.principalAccount = account;
  }

  /**
   * Only rendered into the resource-policy statement a grant also offers a secret of another
   * account, which imported secrets drop: the account, never wider.
   */
  get policyFragment(): PrincipalPolicyFragment {
    return new AccountPrincipal(this.principalAccount).policyFragment;
  }

  override addToPrincipalPolicy(statement: PolicyStatement): AddToPrincipalPolicyResult {
    this.statements.push(statement);
    // Nothing depends on the collected statements until they are placed in a policy.
    return { statementAdded: true, policyDependable: new DependencyGroup() };
  }

  override dedupeString(): string | undefined {
    return undefined;
  }
}

/**
 * The secret as CDK imports it, first the form functions read it by; for an ambiguous suffixed ARN,
 * also the partial form, so that granting both covers a secret whose name ends like a suffix.
 */
function importSecret(scope: Construct, id: string, reference: string): ISecret[] {
  const parsed = parseSecretReference(reference);
  switch (parsed.kind) {
    case 'name':
      return [Secret.fromSecretNameV2(scope, id, parsed.name)];
    case 'partial-arn':
      return [Secret.fromSecretPartialArn(scope, id, parsed.arn)];
    case 'suffixed-arn':
      return [
        Secret.fromSecretCompleteArn(scope, id, parsed.arn),
        Secret.fromSecretPartialArn(scope, `${id}AsPartialArn`, parsed.arn),
      ];
  }
}
