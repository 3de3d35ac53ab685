import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { type DatabaseConfig, parseSecretReference } from '../config.js';

/** Properties of `DatabaseSecrets`. */
export interface DatabaseSecretsProps {
  /** The databases; the secrets of the enabled ones become readable. */
  readonly databases: readonly DatabaseConfig[];
  /** Who may read them: the functions that call ORDS. */
  readonly readers: readonly IGrantable[];
}

/**
 * Grants the functions that call ORDS read access to each enabled database's existing secret, one
 * grant per secret. Each secret is imported under its database id, so a subset of databases can
 * later live in another stack.
 *
 * Scaling note: every grant adds the secret's ARN to each reader's role policy, which IAM caps at
 * 10,240 characters; beyond about a hundred databases grant by a secret name prefix or tag instead.
 */
export class DatabaseSecrets extends Construct {
  /** The imported secrets, by database id. */
  readonly secrets: ReadonlyMap<string, ISecret>;

  constructor(scope: Construct, id: string, props: DatabaseSecretsProps) {
    super(scope, id);
    const secrets = new Map<string, ISecret>();
    for (const database of props.databases) {
      if (!database.enabled) continue;
      const secret = importSecret(this, database.id, database.secret);
      for (const reader of props.readers) secret.grantRead(reader);
      secrets.set(database.id, secret);
    }
    this.secrets = secrets;
  }
}

function importSecret(scope: Construct, id: string, reference: string): ISecret {
  const parsed = parseSecretReference(reference);
  switch (parsed.kind) {
    case 'name':
      return Secret.fromSecretNameV2(scope, id, parsed.name);
    case 'complete-arn':
      return Secret.fromSecretCompleteArn(scope, id, parsed.arn);
    case 'partial-arn':
      return Secret.fromSecretPartialArn(scope, id, parsed.arn);
  }
}
