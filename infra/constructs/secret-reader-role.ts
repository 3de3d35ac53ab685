import { ArnFormat, Stack } from 'aws-cdk-lib';
import {
  ArnPrincipal,
  CompositePrincipal,
  type IRole,
  PolicyDocument,
  PolicyStatement,
  Role,
} from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { SECRET_DATABASE_TAG } from '../../functions/core/ords/index.js';
import { acknowledgeWildcardResource } from './nag-findings.js';

/** A session must carry the database tag, not empty, and no other tag. */
const SESSION_CONDITIONS = {
  StringLike: { [`aws:RequestTag/${SECRET_DATABASE_TAG}`]: '?*' },
  'ForAllValues:StringEquals': { 'aws:TagKeys': [SECRET_DATABASE_TAG] },
};

/** Properties of `SecretReaderRole`. */
export interface SecretReaderRoleProps {
  /** The roles of the functions that call ORDS: the only ones that may assume the role. */
  readonly callers: readonly IRole[];
}

/**
 * The one role through which the functions read database secrets, with attribute-based access
 * control (ABAC): a caller assumes it with the session tag `ords-datapump-backup:database=<id>` of
 * the database it serves, and the session may read a secret only when the secret carries the same
 * tag (`aws:ResourceTag/<key>` equal to `${aws:PrincipalTag/<key>}`). The policy has the
 * same size for one database or a thousand, unlike a list of secret ARNs.
 *
 * Its trust policy admits only `callers`, and only with the database tag (and no other tag); its
 * KMS grant is `kms:Decrypt` through Secrets Manager of this region, for secrets under a customer
 * key (whose key policy must still allow it).
 */
export class SecretReaderRole extends Construct {
  /** The role; its ARN goes to the callers as `SECRET_READER_ROLE_ARN`. */
  readonly role: Role;

  constructor(scope: Construct, id: string, props: SecretReaderRoleProps) {
    super(scope, id);
    if (props.callers.length === 0) {
      throw new Error(`${this.node.path}: callers must name at least one role`);
    }
    const stack = Stack.of(this);
    const secrets = stack.formatArn({
      service: 'secretsmanager',
      resource: 'secret',
      resourceName: '*',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const keys = stack.formatArn({ service: 'kms', resource: 'key', resourceName: '*' });

    this.role = new Role(this, 'Role', {
      description:
        "ords-datapump-backup: reads the secret of the database named by the session's ords-datapump-backup:database tag, no other",
      // sts:AssumeRole and sts:TagSession, from the callers only, with the database tag and no other.
      assumedBy: new CompositePrincipal(
        ...props.callers.map((role) =>
          new ArnPrincipal(role.roleArn).withConditions(SESSION_CONDITIONS).withSessionTags(),
        ),
      ),
      inlinePolicies: {
        ReadOwnDatabaseSecret: new PolicyDocument({
          statements: [
            new PolicyStatement({
              sid: 'SecretOfTheSessionDatabaseOnly',
              actions: ['secretsmanager:GetSecretValue'],
              resources: [secrets],
              conditions: {
                StringEquals: {
                  // aws:ResourceTag and secretsmanager:ResourceTag are both documented for
                  // GetSecretValue; the global key is the one policy simulators evaluate.
                  [`aws:ResourceTag/${SECRET_DATABASE_TAG}`]: `\${aws:PrincipalTag/${SECRET_DATABASE_TAG}}`,
                },
              },
            }),
            new PolicyStatement({
              sid: 'CustomerKeyThroughSecretsManager',
              actions: ['kms:Decrypt'],
              resources: [keys],
              conditions: {
                StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.amazonaws.com` },
              },
            }),
          ],
        }),
      },
    });
    for (const caller of props.callers) {
      caller.addToPrincipalPolicy(
        new PolicyStatement({
          actions: ['sts:AssumeRole', 'sts:TagSession'],
          resources: [this.role.roleArn],
          conditions: SESSION_CONDITIONS,
        }),
      );
    }
    acknowledgeWildcardResource(
      this.role,
      secrets,
      "Any secret of this account and region, but only one whose ords-datapump-backup:database tag equals the session's tag of that key.",
    );
    acknowledgeWildcardResource(
      this.role,
      keys,
      'kms:Decrypt only through Secrets Manager of this region, for secrets under a customer key.',
    );
  }
}
