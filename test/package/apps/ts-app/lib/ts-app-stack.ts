import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import * as cdk from 'aws-cdk-lib/core';
import type { Construct } from 'constructs';
import { type DatabaseProps, OrdsDatapumpBackup } from 'ords-datapump-backup';

export class TsAppStack extends cdk.Stack {
  constructor(scope: Construct, id: string, props?: cdk.StackProps) {
    super(scope, id, props);

    const orders: DatabaseProps = {
      id: 'orders',
      ordsUrl: 'https://orders.db.example.com/ords/pdb1/backup_user/',
      secret: Secret.fromSecretNameV2(this, 'OrdersSecret', 'prod/ords/orders'),
      export: { jobMode: 'SCHEMA', schemas: ['HR'] },
      timeout: cdk.Duration.hours(6),
    };
    // The props are typed from the package's .d.ts: a job mode Data Pump does not have is refused.
    // @ts-expect-error 'EVERYTHING' is no job mode
    const wrongMode: DatabaseProps['export'] = { jobMode: 'EVERYTHING' };
    void wrongMode;

    new OrdsDatapumpBackup(this, 'OracleBackups', {
      bucket: Bucket.fromBucketName(this, 'Backups', 'ts-app-oracle-backups'),
      databases: [orders],
    });
  }
}
