import { Duration, Lazy, Tags, Token } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { RetentionPolicy } from '../functions/core/retention/index.js';
import type { SlotCaps } from '../functions/core/run/index.js';
import type { DatabaseProps, OrdsDatapumpBackupProps } from './backup-props.js';
import { BackupAgeCheck } from './constructs/backup-age-check.js';
import { BackupAlerts } from './constructs/backup-alerts.js';
import { BackupBucket, OFFSITE_RULE_ID } from './constructs/backup-bucket.js';
import { BackupFunctions } from './constructs/backup-functions.js';
import { BackupNetwork } from './constructs/backup-network.js';
import { BackupStateMachine } from './constructs/backup-state-machine.js';
import { BackupScheduleGroup } from './constructs/database-schedules.js';
import type { OffsiteCheckSettings } from './constructs/offsite-check-grants.js';
import { OffsiteReplicationAlarms } from './constructs/offsite-replication-alarms.js';
import { RestoreStateMachine } from './constructs/restore-state-machine.js';
import { RunLauncher } from './constructs/run-launcher.js';
import { WindowLauncher } from './constructs/window-launcher.js';
import { pinOfDatabase, slotCapsFor } from './database-binding.js';
import { type ResolvedDatabase, resolveDatabase } from './database-settings.js';
import { checkSlotCaps } from './fleet-settings.js';
import { DEFAULT_NAME_PREFIX, doctorFunctionName, NAME_PREFIX } from './names.js';
import { OrdsDatapumpBackupDatabases } from './ords-datapump-backup-databases.js';

export { DEFAULT_NAME_PREFIX, NAME_PREFIX };

/**
 * Time an execution keeps for copying the files and writing the manifest after the export's own
 * timeout has run out: the state machine's timeout must leave at least this much.
 */
export const COPY_ALLOWANCE = Duration.hours(12);

/**
 * Hours one execution of `database` may need: its export's timeout, the copy allowance and, with a
 * restore drill, the export's timeout again, since "Read restore drill job" polls the import under
 * the same timeout (a drill night must not reach States.Timeout before the cleanup).
 */
function executionHours(database: ResolvedDatabase): number {
  const exportHours = database.timeout.toHours({ integral: false });
  return exportHours * (database.restoreDrill ? 2 : 1) + COPY_ALLOWANCE.toHours();
}

/** The state machine timeout when no database needs more. */
const MINIMUM_STATE_MACHINE_TIMEOUT = Duration.hours(24);

/**
 * Nightly Oracle Data Pump backups through ORDS into S3: the bucket, the functions, the state
 * machine, the alerts, the launcher the schedules invoke, the hourly backup-age check and, for each
 * database, its binding, schedule, stale-backup alarm, dashboard row and secret access.
 *
 * ```ts
 * const backup = new OrdsDatapumpBackup(stack, 'Backup', {
 *   namePrefix: 'prod-oracle-backup',
 *   vpc, vpcSubnets: { subnets }, alarmEmails: ['dba-oncall@example.com'],
 *   databases: [{ id: 'orders', ordsUrl: 'https://db.example.com/ords/hr/', secret }],
 * });
 * backup.addDatabases(otherStack, 'MoreDatabases', moreDatabases);
 * ```
 */
export class OrdsDatapumpBackup extends Construct {
  /** The prefix of every name (state machine, schedule group, alarms, dashboards, binding path). */
  readonly namePrefix: string;
  /** The bucket the backups are stored in. */
  readonly bucket: IBucket;
  /** The bucket's customer-managed key, if it has one this construct knows of. */
  readonly encryptionKey: IKey | undefined;
  /** The role S3 replicates the off-site copy with (`<namePrefix>-offsite-copy`), with `offsiteCopy`. */
  readonly offsiteReplicationRole: Role | undefined;
  /** The task functions of the state machine. */
  readonly functions: BackupFunctions;
  /** The state machine construct (its `stateMachine` and `timeout`). */
  readonly workflow: BackupStateMachine;
  /** The backup state machine, named `<namePrefix>`: start it with `{"database":"<id>"}`. */
  readonly stateMachine: StateMachine;
  /** The restore state machine (`<namePrefix>-restore`): restores a backup from S3 into a new schema. */
  readonly restoreWorkflow: RestoreStateMachine;
  /** The alert topic, the failure rule and its notifier function. */
  readonly alerts: BackupAlerts;
  /** The topic every alert and alarm publishes to. */
  readonly alarmTopic: ITopic;
  /** The SSM parameter path of the databases' bindings, `/<namePrefix>/databases`. */
  readonly bindingParameterPath: string;
  /** The "Start run" function the schedules invoke and the missed-runs queue with its alarm. */
  readonly launcher: RunLauncher;
  /** The schedule group, named `<namePrefix>`, with its alarms. */
  readonly scheduleGroup: BackupScheduleGroup;
  /** The "Start window" function and one schedule per distinct night window of the databases. */
  readonly windowLauncher: WindowLauncher;
  /** The hourly check publishing HoursSinceLastBackup, which the stale-backup alarms watch. */
  readonly backupAge: BackupAgeCheck;
  /** The network of the functions that call ORDS, when `vpc` is given. */
  readonly network: BackupNetwork | undefined;
  /** The databases given in the props, when there are any. */
  readonly databases: OrdsDatapumpBackupDatabases | undefined;

  private readonly explicitTimeout: Duration | undefined;
  private readonly tags: Readonly<Record<string, string>>;
  /** Every database of every slice, by id, with the path of its slice. */
  private readonly slicesByDatabase = new Map<string, string>();
  /** The enabled databases added so far, by their secret's ARN. */
  private readonly databasesBySecret = new Map<string, string>();
  private readonly slices: OrdsDatapumpBackupDatabases[] = [];
  /** The longest `executionHours` of the enabled databases added so far. */
  private longestExecutionHours = 0;
  private readonly createdBucket: BackupBucket | undefined;
  /** The slot caps a database's binding carries: its origin's and the deployment's. */
  private readonly slotsOf: (ordsUrl: string) => SlotCaps;

  constructor(scope: Construct, id: string, props: OrdsDatapumpBackupProps = {}) {
    super(scope, id);
    const namePrefix = props.namePrefix ?? DEFAULT_NAME_PREFIX;
    this.explicitTimeout = props.stateMachineTimeout;
    this.tags = props.tags ?? {};
    if (!Token.isUnresolved(namePrefix) && !NAME_PREFIX.test(namePrefix)) {
      throw new Error(
        `${this.node.path}: namePrefix must be 1 to 31 of letters, digits and -, starting with a letter ` +
          `and not ending with -, got "${namePrefix}"`,
      );
    }
    if (props.bucket && (props.bucketOptions || props.encryptionKey)) {
      throw new Error(
        `${this.node.path}: bucket is an existing bucket, used as it is: give no ` +
          `${props.bucketOptions ? 'bucketOptions' : 'encryptionKey'} with it (import a KMS-encrypted bucket with its key)`,
      );
    }
    if (!props.vpc && (props.vpcSubnets || props.securityGroups || props.vpcEndpoints || props.ordsCidrs)) {
      throw new Error(`${this.node.path}: vpcSubnets, securityGroups, vpcEndpoints and ordsCidrs need a vpc`);
    }
    checkSlotCaps(this.node.path, props.ordsCaps, props.deploymentCap);
    this.slotsOf = (ordsUrl) => slotCapsFor(ordsUrl, props.ordsCaps, props.deploymentCap);
    this.namePrefix = namePrefix;
    for (const [key, value] of Object.entries(this.tags)) Tags.of(this).add(key, value);

    if (props.bucket) {
      this.bucket = props.bucket;
      this.encryptionKey = props.bucket.encryptionKey;
      this.offsiteReplicationRole = undefined;
    } else {
      const offsite = props.bucketOptions?.offsiteCopy;
      const replicationRole = offsite
        ? new Role(this, 'OffsiteReplicationRole', {
            assumedBy: new ServicePrincipal('s3.amazonaws.com'),
            // Named: the destination account's bucket and key policies name it before it exists.
            roleName: `${namePrefix}-offsite-copy`,
            description: 'Replicates the backups into the off-site bucket of another account',
          })
        : undefined;
      const created = new BackupBucket(this, 'Bucket', {
        ...props.bucketOptions,
        ...(replicationRole ? { replicationRole } : {}),
        ...(props.encryptionKey ? { encryptionKey: props.encryptionKey } : {}),
        ...(props.removalPolicy ? { removalPolicy: props.removalPolicy } : {}),
      });
      this.bucket = created.bucket;
      this.encryptionKey = created.encryptionKey;
      this.createdBucket = created;
      this.offsiteReplicationRole = replicationRole;
    }

    this.network = props.vpc
      ? new BackupNetwork(this, 'Network', {
          vpc: props.vpc,
          ...(props.vpcSubnets ? { vpcSubnets: props.vpcSubnets } : {}),
          ...(props.securityGroups ? { securityGroups: props.securityGroups } : {}),
          ...(props.vpcEndpoints ? { vpcEndpoints: props.vpcEndpoints } : {}),
          ...(props.ordsCidrs ? { ordsCidrs: props.ordsCidrs } : {}),
        })
      : undefined;
    this.bindingParameterPath = `/${namePrefix}/databases`;
    this.functions = new BackupFunctions(this, 'Functions', {
      bucket: this.bucket,
      bindingParameterPath: this.bindingParameterPath,
      serviceName: namePrefix,
      doctorFunctionName: doctorFunctionName(namePrefix),
      ...(this.network ? { ordsNetwork: this.network.ordsNetwork } : {}),
      ...offsiteCheckOf(props, namePrefix),
    });
    this.network?.limitEndpoints(this.bucket, [this.functions.secretReader.role]);
    // The default timeout grows with every database added, in any slice, before synth.
    const timeout =
      props.stateMachineTimeout ??
      Duration.seconds(
        Lazy.number({
          produce: () =>
            Math.max(MINIMUM_STATE_MACHINE_TIMEOUT.toSeconds(), this.longestExecutionHours * 3600),
        }),
      );
    this.workflow = new BackupStateMachine(this, 'Backup', {
      functions: this.functions,
      timeout,
      stateMachineName: namePrefix,
    });
    this.stateMachine = this.workflow.stateMachine;
    // Beside the backups: a restore from S3 into a new schema, started by hand (docs/restore.md).
    this.restoreWorkflow = new RestoreStateMachine(this, 'Restore', {
      functions: this.functions,
      stateMachineName: `${namePrefix}-restore`,
    });
    this.functions.allowRunLocks(this.stateMachine, this.restoreWorkflow.stateMachine);
    this.alerts = new BackupAlerts(this, 'Alerts', {
      stateMachine: this.stateMachine,
      ...(props.alarmTopic ? { topic: props.alarmTopic } : {}),
      ...(props.alarmEmails ? { emails: props.alarmEmails } : {}),
      namePrefix,
    });
    this.alarmTopic = this.alerts.topic;
    const offsite = props.bucket ? undefined : props.bucketOptions?.offsiteCopy;
    if (offsite) {
      new OffsiteReplicationAlarms(this, 'OffsiteReplicationAlarms', {
        source: this.bucket,
        destination: offsite.bucket,
        ruleId: OFFSITE_RULE_ID,
        topic: this.alarmTopic,
        namePrefix,
      });
    }
    this.launcher = new RunLauncher(this, 'Launcher', {
      stateMachine: this.stateMachine,
      topic: this.alarmTopic,
      namePrefix,
    });
    this.scheduleGroup = new BackupScheduleGroup(this, 'ScheduleGroup', {
      name: namePrefix,
      alarmTopic: this.alarmTopic,
    });
    this.windowLauncher = new WindowLauncher(this, 'WindowLauncher', {
      stateMachine: this.stateMachine,
      bucket: this.bucket,
      bindingPins: this.functions.bindingPins.layer,
      keyPrefixes: this.functions.bindingPins,
      missedRuns: this.launcher.deadLetterQueue,
      group: this.scheduleGroup.group,
      namePrefix,
    });
    this.backupAge = new BackupAgeCheck(this, 'BackupAge', {
      bucket: this.bucket,
      parameterPath: this.bindingParameterPath,
      keyPrefixes: this.functions.bindingPins,
      serviceName: namePrefix,
    });
    // It reads each database's last-backup record under the pinned prefix only.
    this.backupAge.function.addLayers(this.functions.bindingPins.layer);

    this.databases =
      props.databases && props.databases.length > 0
        ? this.addDatabases(this, 'Databases', props.databases)
        : undefined;
  }

  /**
   * Adds the per-database resources of `databases` in `scope`, which may be in another stack of the
   * same app and environment (a fleet too large for one stack is split into slices this way). Fails
   * for a database id already added (in this or an earlier slice), an enabled database whose timeout
   * does not fit an explicit `stateMachineTimeout`, `ordsCidrs` without the deployment's `vpc`, an
   * enabled database whose secret another enabled database already uses (one secret per database:
   * its `ords-datapump-backup:database` tag names one database), and retention tiers on an existing
   * bucket.
   */
  addDatabases(
    scope: Construct,
    id: string,
    databases: readonly DatabaseProps[],
  ): OrdsDatapumpBackupDatabases {
    const path = scope.node.path ? `${scope.node.path}/${id}` : id;
    const resolved = databases.map((database) => resolveDatabase(path, database));
    for (const database of resolved) {
      if (database.ordsCidrs && !this.network) {
        throw new Error(`${path}: database "${database.id}": ordsCidrs needs the deployment's vpc`);
      }
      this.checkDatabase(path, database);
    }
    this.checkSecretsApart(path, resolved);
    for (const database of resolved) this.slicesByDatabase.set(database.id, path);
    const slice = new OrdsDatapumpBackupDatabases(scope, id, {
      databases: resolved,
      launcher: this.launcher.function,
      missedRuns: this.launcher.deadLetterQueue,
      scheduleGroup: this.scheduleGroup.group,
      alarmTopic: this.alarmTopic,
      bindingParameterPath: this.bindingParameterPath,
      namePrefix: this.namePrefix,
      offsiteProof: this.functions.checkOffsiteCopy !== undefined,
      slotsOf: this.slotsOf,
    });
    for (const [key, value] of Object.entries(this.tags)) Tags.of(slice).add(key, value);
    this.slices.push(slice);

    // After the slice checked each binding, its URL included.
    const enabled = resolved.filter((database) => database.enabled);
    this.functions.bindingPins.add(
      Object.fromEntries(
        enabled.map((database) => [database.id, pinOfDatabase(database, this.slotsOf(database.ordsUrl))]),
      ),
    );
    this.windowLauncher.add(
      enabled.flatMap((database) => (database.window ? [{ id: database.id, window: database.window }] : [])),
    );
    for (const database of enabled) {
      if (database.retention) this.addRetention(path, database.id, database.retention);
      if (database.restoreDrill?.source === 's3') this.functions.drillFromS3();
      this.longestExecutionHours = Math.max(this.longestExecutionHours, executionHours(database));
      this.network?.allowOrds(database.id, ordsPort(database.ordsUrl), database.ordsCidrs);
    }
    return slice;
  }

  /** Checks one database against those added before and against the state machine timeout. */
  private checkDatabase(path: string, database: ResolvedDatabase): void {
    const other = this.slicesByDatabase.get(database.id);
    if (other !== undefined) {
      throw new Error(
        `${path}: database "${database.id}" is already backed up by ${other}; allowed: each id once per OrdsDatapumpBackup`,
      );
    }
    const timeout = this.explicitTimeout;
    if (!database.enabled || !timeout || Token.isUnresolved(timeout.toSeconds())) return;
    if (executionHours(database) * 3600 > timeout.toSeconds()) {
      const spare = timeout.toHours({ integral: false }) - COPY_ALLOWANCE.toHours();
      const drill = database.restoreDrill ? ', and its restore drill gets the timeout again' : '';
      throw new Error(
        `${path}: database "${database.id}": timeout is ${database.timeout.toHumanString()}; allowed: at most ` +
          `${Math.floor(database.restoreDrill ? spare / 2 : spare)} hours (the state machine ` +
          `of ${this.node.path} times out after ${timeout.toHumanString()} and copying gets ${COPY_ALLOWANCE.toHumanString()}${drill})`,
      );
    }
  }

  /** The lifecycle rules of a database's retention tiers, on the bucket this construct created. */
  private addRetention(path: string, database: string, retention: RetentionPolicy): void {
    if (!this.createdBucket) {
      throw new Error(
        `${path}: database "${database}" has retention tiers, but the bucket is an existing one whose lifecycle ` +
          "is its owner's; allowed: retention only with a bucket this construct creates",
      );
    }
    this.createdBucket.addRetention(retention);
  }

  /**
   * Each enabled database needs a secret of its own, among this call's databases and every slice
   * added before (compared by secret ARN): the secret's `ords-datapump-backup:database` tag names one
   * database, and only that database's sessions may read it.
   */
  private checkSecretsApart(path: string, databases: readonly ResolvedDatabase[]): void {
    for (const database of databases) {
      if (!database.enabled) continue;
      const arn = database.secret.secretArn;
      const other = this.databasesBySecret.get(arn);
      if (other !== undefined) {
        throw new Error(
          `${path}: database "${database.id}" uses the secret of database "${other}" (${Token.isUnresolved(arn) ? database.secret.node.path : arn}); ` +
            'allowed: a secret of its own per database (its ords-datapump-backup:database tag names one database)',
        );
      }
      this.databasesBySecret.set(arn, database.id);
    }
  }
}

/** The TCP port of an ORDS URL: its own, else 443 for https and 80 for http. */
function ordsPort(url: string): number {
  const parsed = new URL(url);
  if (parsed.port) return Number(parsed.port);
  return parsed.protocol === 'http:' ? 80 : 443;
}

/** With an off-site copy in a bucket this construct creates: the settings of "Check off-site copy". */
function offsiteCheckOf(
  props: OrdsDatapumpBackupProps,
  namePrefix: string,
): { offsiteCheck?: OffsiteCheckSettings } {
  const offsite = props.bucket ? undefined : props.bucketOptions?.offsiteCopy;
  if (!offsite) return {};
  return {
    offsiteCheck: {
      bucket: offsite.bucket,
      region: offsite.bucket.env.region,
      roleName: `${namePrefix}-offsite-check`,
    },
  };
}
