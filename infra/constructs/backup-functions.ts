import {
  Annotations,
  ArnFormat,
  AspectPriority,
  Aspects,
  Size,
  Stack,
  Token,
  Validations,
} from 'aws-cdk-lib';
import { type IRole, Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Function as HandlerFunction } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import {
  backupFunction,
  type FunctionSettings,
  type FunctionSpec,
  type OrdsNetwork,
} from './backup-function.js';
import { grantBucketAccess } from './backup-function-grants.js';
import { backupFunctionSpecs } from './backup-function-specs.js';
import { BindingPinsLayer } from './binding-pins-layer.js';
import { grantBindingReads } from './binding-read-grants.js';
import { type CopyMemoryInput, copyMemoryFor } from './copy-memory.js';
import { deploymentKeyPrefixes, MAX_KEY_PREFIXES } from './deployment-keys.js';
import { grantDoctorReads } from './doctor-read-grants.js';
import { acknowledgeWildcardResource } from './nag-findings.js';
import { grantOffsiteCheck, type OffsiteCheckSettings } from './offsite-check-grants.js';
import { SecretReaderRole } from './secret-reader-role.js';
import { grantSlotChecks } from './slot-check-grants.js';

/** Properties of `BackupFunctions`. */
export interface BackupFunctionsProps {
  /** The bucket the copy and manifest functions store into. */
  readonly bucket: IBucket;
  /** The SSM parameter path under which each database's binding is kept (`<path>/<database>`). */
  readonly bindingParameterPath: string;
  /**
   * Parts the copy function uploads at the same time while it downloads the next one.
   * @default 2
   */
  readonly partsInFlight?: number;
  /**
   * Smallest multipart part size; at least 8 MiB (fewer requests than S3's 5 MiB minimum).
   * @default Size.mebibytes(8)
   */
  readonly minPartSize?: Size;
  /**
   * Largest dump file the copy function accepts. Together with `minPartSize` and `partsInFlight` it
   * fixes the copy function's memory:
   * `partSizeMax` = the largest part the copy's part plan needs for a file of maxFileSize — known
   * length: `max(minPartSize, ceil(maxFileSize / 10,000))`; unknown length (chunked): parts start at
   * minPartSize and double every 1,000 parts, so the tier that reaches maxFileSize decides
   * (512 GiB → 512 MiB parts, 1 TiB → 1 GiB parts);
   * `memory = max(1024, roundUpTo64(partSizeMax × (partsInFlight + 1) + 256 MiB))` MiB,
   * which must not exceed Lambda's 10,240 MiB (synth fails otherwise). Defaults give 1,792 MiB.
   * @default Size.gibibytes(512)
   */
  readonly maxFileSize?: Size;
  /**
   * How long the functions' logs are kept.
   * @default RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: RetentionDays;
  /**
   * The doctor function's name, which `npm run doctor` invokes: 1 to 64 of `A-Za-z0-9-_`.
   * @default - a name CloudFormation generates
   */
  readonly doctorFunctionName?: string;
  /**
   * The functions' service name: the `service` dimension of their metrics.
   * @default 'ords-datapump-backup'
   */
  readonly serviceName?: string;
  /**
   * Where the functions that call ORDS run (every function of `ordsCallers`).
   * @default - outside any VPC
   */
  readonly ordsNetwork?: OrdsNetwork;
  /**
   * With an off-site copy: the replicas' bucket, read by "Check off-site copy".
   * @default - no off-site check function
   */
  readonly offsiteCheck?: OffsiteCheckSettings;
}

/**
 * The eight Lambda functions of a backup's Task states, and the doctor. Each has its own role
 * holding only what it needs: the ORDS callers get secret access from whoever grants it (`ordsCallers`); the copy
 * function writes the bucket's objects, the manifest function writes `manifest.json` and
 * `last-backup.json` files and reads object sizes, the cleanup function reads manifests and writes
 * `server-cleanup.json` files, the drill recorder writes `restore-drill.json` and
 * `last-restore-drill.json` files; the doctor reads `last-backup.json` and `manifest.json` (the undo
 * check); nothing else touches the bucket (the drill reads bindings and secrets only).
 */
export class BackupFunctions extends Construct {
  /** "Start export": starts (or adopts) the Data Pump job. */
  readonly startExport: HandlerFunction;
  /** "Read job": reads the job's state. */
  readonly readJob: HandlerFunction;
  /** "Read log": reads the job's log and decides the verdict. */
  readonly readLog: HandlerFunction;
  /** "Copy file": copies one job file into S3, resumable across invocations. */
  readonly copyFile: HandlerFunction;
  /** "Write manifest": writes the backup's manifest. */
  readonly writeManifest: HandlerFunction;
  /** "Clean up server" and "Remove dump files": removes the run's files and control table from the server. */
  readonly cleanUpServer: HandlerFunction;
  /** The doctor, invoked on demand: checks one database's binding, secret, ORDS, grants and directory. */
  readonly doctor: HandlerFunction;
  /** "Start restore drill" and "Drop drill schema": the drill's import and its schema, through ORDS. */
  readonly restoreDrill: HandlerFunction;
  /** "Record restore drill": writes restore-drill.json and last-restore-drill.json. */
  readonly recordRestoreDrill: HandlerFunction;
  /** The restore state machine's steps: lock and slot, checks in S3, upload, import, verdict. */
  readonly restore: HandlerFunction;
  /** "Check off-site copy" (with `offsiteCheck`): proves a run's objects replicated, writes offsite.json. */
  readonly checkOffsiteCopy: HandlerFunction | undefined;
  /** The functions that call ORDS, i.e. those that must read the databases' secrets. */
  readonly ordsCallers: readonly HandlerFunction[];
  /** The roles of `ordsCallers`, in the same order: the roles that may assume `secretReader`. */
  readonly ordsCallerRoles: readonly IRole[];
  /**
   * The role the `ordsCallers` assume, tagged with the database they serve, to read that database's
   * secret (and only a secret tagged with that database): `SECRET_READER_ROLE_ARN`.
   */
  readonly secretReader: SecretReaderRole;
  /**
   * The pins (ORDS URL, secret, prefix per database) every function that reads bindings carries as a
   * layer: `OrdsDatapumpBackup.addDatabases` adds each database's pin.
   */
  readonly bindingPins: BindingPinsLayer;
  /** Whether a database drills from S3 (`drillFromS3()`): the drill function then reads backups. */
  private drillsFromS3 = false;
  /**
   * What every function of this deployment is built with (log retention, service name, ORDS
   * network): pass it to `backupFunction` for a new function, with `callsOrds` if it calls ORDS.
   */
  readonly functionSettings: FunctionSettings;

  constructor(scope: Construct, id: string, props: BackupFunctionsProps) {
    super(scope, id);
    const partsInFlight = props.partsInFlight ?? 2;
    const minPartSize = props.minPartSize ?? Size.mebibytes(8);
    const maxFileSize = props.maxFileSize ?? Size.gibibytes(512);
    const logRetention = props.logRetention ?? RetentionDays.THREE_MONTHS;
    const { doctorFunctionName } = props;
    if (
      doctorFunctionName !== undefined &&
      !Token.isUnresolved(doctorFunctionName) &&
      !/^[A-Za-z0-9_-]{1,64}$/.test(doctorFunctionName)
    ) {
      throw new Error(
        `${this.node.path}: doctorFunctionName must be 1 to 64 of A-Za-z0-9-_, got "${doctorFunctionName}"`,
      );
    }

    const memoryInput: CopyMemoryInput = {
      partsInFlight,
      minPartSizeBytes: minPartSize.toBytes(),
      maxFileBytes: maxFileSize.toBytes(),
    };
    const copyMemory = copyMemoryFor(this.node.path, memoryInput);

    const bucketName = props.bucket.bucketName;
    const offsiteCheck = props.offsiteCheck;
    // Every task function resolves its database's binding (ORDS URL, secret, prefix) from SSM.
    const bindingEnvironment = { DATABASE_PARAMETER_PATH: props.bindingParameterPath };
    const settings = {
      logRetention,
      ...(props.serviceName ? { serviceName: props.serviceName } : {}),
      ...(props.ordsNetwork ? { ordsNetwork: props.ordsNetwork } : {}),
    };
    const create = (spec: FunctionSpec) => {
      const fn = backupFunction(
        this,
        { ...spec, environment: { ...bindingEnvironment, ...spec.environment } },
        settings,
      );
      Validations.of(fn.node.defaultChild!).acknowledge({
        id: 'Serverless-LambdaDLQ',
        reason:
          'Invoked synchronously by a Task state only: the state machine retries, catches and reports its errors.',
      });
      return fn;
    };
    const specs = backupFunctionSpecs({
      bucketName,
      memoryInput,
      copyMemory,
      ...(doctorFunctionName !== undefined ? { doctorFunctionName } : {}),
      ...(offsiteCheck ? { offsiteCheck } : {}),
    });
    this.startExport = create(specs.startExport);
    this.readJob = create(specs.readJob);
    this.readLog = create(specs.readLog);
    this.copyFile = create(specs.copyFile);
    this.writeManifest = create(specs.writeManifest);
    this.cleanUpServer = create(specs.cleanUpServer);
    this.doctor = backupFunction(
      this,
      { ...specs.doctor, environment: { ...bindingEnvironment, ...specs.doctor.environment } },
      settings,
    );
    Validations.of(this.doctor.node.defaultChild!).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason: 'Invoked synchronously on demand (npm run doctor): the caller reads its report or its error.',
    });
    this.restoreDrill = create(specs.restoreDrill);
    this.restore = create(specs.restore);
    this.recordRestoreDrill = create(specs.recordRestoreDrill);
    this.checkOffsiteCopy = specs.checkOffsiteCopy ? create(specs.checkOffsiteCopy) : undefined;
    this.ordsCallers = [
      this.startExport,
      this.readJob,
      this.readLog,
      this.copyFile,
      this.cleanUpServer,
      this.doctor,
      this.restoreDrill,
      this.restore,
    ];
    this.functionSettings = settings;
    this.ordsCallerRoles = this.ordsCallers.map((fn) => fn.role!);
    this.secretReader = new SecretReaderRole(this, 'SecretReader', { callers: this.ordsCallerRoles });
    for (const fn of this.ordsCallers) {
      fn.addEnvironment('SECRET_READER_ROLE_ARN', this.secretReader.role.roleArn);
    }

    const bindingReaders = [...this.ordsCallers, this.writeManifest, this.recordRestoreDrill];
    grantBindingReads(props.bindingParameterPath, bindingReaders, this.doctor);
    // Every function that reads a binding checks it against the pins shipped in this layer.
    this.bindingPins = new BindingPinsLayer(this, 'BindingPins');
    for (const fn of bindingReaders) fn.addLayers(this.bindingPins.layer);
    // The bucket grants name the deployment's key prefixes, known once every database is added
    // (from any stack): granted when synthesis starts, like the pins layer is built.
    let granted = false;
    Aspects.of(this).add(
      {
        visit: (node) => {
          if (node !== this || granted) return;
          granted = true;
          const keys = deploymentKeyPrefixes(this.bindingPins.prefixes);
          if (keys.collapsed) {
            Annotations.of(this).addWarningV2(
              'ords-datapump-backup:key-prefixes-collapsed',
              `More than ${MAX_KEY_PREFIXES} distinct database prefixes: the functions may write anywhere under "${keys.prefixes[0]}" in the bucket; give the databases fewer distinct prefixes to narrow it`,
            );
          }
          grantBucketAccess(props.bucket, this, keys.prefixes, { drillFromS3: this.drillsFromS3 });
          grantSlotChecks(
            props.bucket,
            [this.readJob, this.readLog, this.copyFile, this.cleanUpServer, this.restoreDrill],
            keys.prefixes,
          );
          grantDoctorReads(props.bucket, this.doctor, keys.prefixes);
          if (offsiteCheck && this.checkOffsiteCopy) {
            grantOffsiteCheck(props.bucket, offsiteCheck.bucket, this.checkOffsiteCopy, keys.prefixes);
          }
        },
      },
      { priority: AspectPriority.MUTATING },
    );
  }

  /**
   * A database of this deployment drills from S3 (`restoreDrill.source: "s3"`): the drill function
   * gets read access to the backups and its restore records when synthesis starts.
   */
  drillFromS3(): void {
    this.drillsFromS3 = true;
  }

  /**
   * Lets "Start export" and the restore function ask Step Functions whether the execution holding a
   * run lock or an ORDS slot still runs, for executions of each of `stateMachines` (backup, restore).
   * A policy of its own, not the role's default policy: the state machine depends on the function,
   * so the function must not depend on a policy that names the state machine.
   */
  allowRunLocks(...stateMachines: StateMachine[]): void {
    const executionsOf = stateMachines.map((stateMachine) =>
      Stack.of(this).formatArn({
        service: 'states',
        resource: 'execution',
        resourceName: `${stateMachine.stateMachineName}:*`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    );
    // The restore function takes run locks and slots too, from backups and from other restores.
    const policy = new Policy(this, 'RunLockPolicy', {
      roles: [this.startExport.role!, this.restore.role!],
      statements: [new PolicyStatement({ actions: ['states:DescribeExecution'], resources: executionsOf })],
    });
    for (const executions of executionsOf) {
      acknowledgeWildcardResource(
        policy,
        executions,
        "Describes the execution named in a database's run lock, whichever execution of this state machine it is.",
      );
    }
  }
}
