const cdk = require('aws-cdk-lib/core');
const { Bucket } = require('aws-cdk-lib/aws-s3');
const { Secret } = require('aws-cdk-lib/aws-secretsmanager');
const { OrdsDatapumpBackup } = require('ords-datapump-backup');

class JsAppStack extends cdk.Stack {
  constructor(scope, id, props) {
    super(scope, id, props);

    new OrdsDatapumpBackup(this, 'OracleBackups', {
      bucket: Bucket.fromBucketName(this, 'Backups', 'js-app-oracle-backups'),
      databases: [
        {
          id: 'billing',
          ordsUrl: 'https://billing.db.example.com/ords/backup_user/',
          secret: Secret.fromSecretNameV2(this, 'BillingSecret', 'prod/ords/billing'),
        },
      ],
    });
  }
}

module.exports = { JsAppStack };
