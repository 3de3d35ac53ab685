import { Stack, Token } from 'aws-cdk-lib';
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
import { MANAGED_POLICY_MAX_CHARS, policyLength } from '../policy-size.js';

/** The secret of one database. */
export interface DatabaseSecret {
  /** The database id, for messages and the `secrets` map. */
  readonly id: string;
  readonly secret: ISecret;
}

/** Properties of `DatabaseSecrets`. */
export interface DatabaseSecretsProps {
  /** The secrets to make readable, in order: those of the enabled databases. */
  readonly databases: readonly DatabaseSecret[];
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
 * followed by `-??????`. Either way the function reads exactly the secret the database names.
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
      const collector = new StatementCollector(stack.account);
      for (const secret of [database.secret, ...asPartialArn(this, database)]) secret.grantRead(collector);
      secrets.set(database.id, database.secret);

      if (lengthOf(collector.statements) > maxLength) {
        throw new Error(
          `${this.node.path}: database "${database.id}": the policy for secret "${database.secret.secretName}" alone ` +
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

/** A complete ARN whose end looks like Secrets Manager's 6-character suffix: `…:secret:<name>-AbC123`. */
const SUFFIXED_ARN = /^arn:[^:]+:secretsmanager:[^:]*:[^:]*:secret:.+-[A-Za-z0-9]{6}$/;

/**
 * For a complete ARN that could also be a partial one (a name that ends like a suffix), the same
 * ARN imported as partial, so that granting both covers either reading.
 */
function asPartialArn(scope: Construct, database: DatabaseSecret): ISecret[] {
  const arn = database.secret.secretFullArn;
  if (arn === undefined || Token.isUnresolved(arn) || !SUFFIXED_ARN.test(arn)) return [];
  return [Secret.fromSecretPartialArn(scope, `${database.id}AsPartialArn`, arn)];
}
