import { Duration } from 'aws-cdk-lib';
import { COPY_NODE_OPTIONS } from '../../functions/core/transfer/index.js';
import { COMMON_NODE_OPTIONS, type FunctionSpec } from './backup-function.js';
import type { CopyMemoryInput } from './copy-memory.js';
import type { OffsiteCheckSettings } from './offsite-check-grants.js';

/** Seconds the copy function keeps free at the end of an invocation to save its progress. */
const COPY_SAFETY_MARGIN_SECONDS = 60;

/** What the functions' specs are made of, resolved by `BackupFunctions`. */
export interface BackupFunctionSpecsInput {
  /** The bucket the functions store into and read from. */
  readonly bucketName: string;
  /** The copy's parts in flight and part and file sizes. */
  readonly memoryInput: CopyMemoryInput;
  /** The copy function's memory in MiB (`copyMemoryFor`). */
  readonly copyMemory: number;
  /** The doctor function's name. @default - a name CloudFormation generates */
  readonly doctorFunctionName?: string;
  /** With an off-site copy: the replicas' bucket. @default - no off-site check function */
  readonly offsiteCheck?: OffsiteCheckSettings;
}

/** The spec of each function: its handler, memory, timeout and environment (the binding path aside). */
export interface BackupFunctionSpecs {
  readonly startExport: FunctionSpec;
  readonly readJob: FunctionSpec;
  readonly readLog: FunctionSpec;
  readonly copyFile: FunctionSpec;
  readonly writeManifest: FunctionSpec;
  readonly cleanUpServer: FunctionSpec;
  readonly doctor: FunctionSpec;
  readonly restoreDrill: FunctionSpec;
  readonly restore: FunctionSpec;
  readonly recordRestoreDrill: FunctionSpec;
  readonly checkOffsiteCopy: FunctionSpec | undefined;
}

/** The specs of the backup's functions and the doctor; the timeouts say what each call may wait for. */
export function backupFunctionSpecs(input: BackupFunctionSpecsInput): BackupFunctionSpecs {
  const { bucketName, memoryInput, doctorFunctionName, offsiteCheck } = input;
  return {
    startExport: {
      id: 'StartExport',
      callsOrds: true,
      entry: 'start-export.ts',
      description: 'Starts (or adopts) the Data Pump export of one database through ORDS',
      memorySize: 512,
      // A POST whose answer is lost (60 s headers timeout) is followed by about a minute of job lists,
      // after the run lock and the binding are settled.
      timeout: Duration.minutes(5),
      environment: { BUCKET_NAME: bucketName },
    },
    readJob: {
      id: 'ReadJob',
      callsOrds: true,
      entry: 'read-job.ts',
      description: 'Reads the state of a Data Pump job through ORDS',
      memorySize: 512,
      // Longer than the ORDS client's own request timeouts (60 s for headers, 120 s between chunks).
      timeout: Duration.minutes(3),
      // The run's ORDS slots, checked before a redriven poll calls ORDS.
      environment: { BUCKET_NAME: bucketName },
    },
    readLog: {
      id: 'ReadLog',
      callsOrds: true,
      entry: 'read-log.ts',
      description: 'Reads the log of a finished Data Pump job and decides how it ended',
      memorySize: 512,
      timeout: Duration.minutes(3),
      environment: { BUCKET_NAME: bucketName },
    },
    copyFile: {
      id: 'CopyFile',
      callsOrds: true,
      entry: 'copy-file.ts',
      description: 'Copies one Data Pump file from ORDS into S3, resuming where the last invocation stopped',
      memorySize: input.copyMemory,
      timeout: Duration.minutes(15),
      environment: {
        BUCKET_NAME: bucketName,
        COPY_PARTS_IN_FLIGHT: String(memoryInput.partsInFlight),
        COPY_MIN_PART_SIZE_BYTES: String(memoryInput.minPartSizeBytes),
        COPY_MAX_FILE_BYTES: String(memoryInput.maxFileBytes),
        COPY_SAFETY_MARGIN_SECONDS: String(COPY_SAFETY_MARGIN_SECONDS),
        NODE_OPTIONS: [COMMON_NODE_OPTIONS, ...COPY_NODE_OPTIONS].join(' '),
      },
    },
    writeManifest: {
      id: 'WriteManifest',
      entry: 'write-manifest.ts',
      description: 'Checks the stored files and writes the manifest of one backup',
      memorySize: 512,
      timeout: Duration.minutes(1),
      environment: { BUCKET_NAME: bucketName },
    },
    cleanUpServer: {
      id: 'CleanUpServer',
      callsOrds: true,
      entry: 'clean-up-server.ts',
      description: "Removes a run's dump and log files and its control table from the database server",
      memorySize: 512,
      // Two REST-enabled SQL calls and one job read, each bounded by the ORDS client's timeouts.
      timeout: Duration.minutes(5),
      environment: { BUCKET_NAME: bucketName },
    },
    doctor: {
      id: 'Doctor',
      ...(doctorFunctionName !== undefined ? { functionName: doctorFunctionName } : {}),
      callsOrds: true,
      entry: 'doctor.ts',
      description: "Checks one database's binding, secret, ORDS, credentials, grants and directory",
      memorySize: 512,
      // Five ORDS requests, each bounded by the doctor's own 20 s timeouts, and a paged job list.
      timeout: Duration.minutes(3),
      // The bucket: the undo check reads the last export's manifest.
      environment: { BUCKET_NAME: bucketName },
    },
    restoreDrill: {
      id: 'RestoreDrill',
      callsOrds: true,
      entry: 'restore-drill.ts',
      description: "Starts a restore drill's import, then reads its verdict and drops the drill schema",
      memorySize: 512,
      // A few REST-enabled SQL calls, one POST and one log read, each bounded by the client's timeouts;
      // a drill from S3 also reads each dump file once in its first call (SHA-256), then uploads until
      // the time is nearly spent (RESTORE_DRILL_SAFETY_MARGIN_SECONDS, else COPY_SAFETY_MARGIN_SECONDS).
      timeout: Duration.minutes(15),
      // The run lock, read before the import and before the drop; the intent record beside the manifest.
      environment: { BUCKET_NAME: bucketName },
    },
    restore: {
      id: 'Restore',
      callsOrds: true,
      entry: 'restore.ts',
      description:
        'Restores a backup from S3 into a new schema through ORDS: checks, upload, import, verdict',
      memorySize: 512,
      // Its first call reads each dump file once (SHA-256); uploads run until the time is nearly spent
      // (RESTORE_SAFETY_MARGIN_SECONDS, else COPY_SAFETY_MARGIN_SECONDS).
      timeout: Duration.minutes(15),
      environment: { BUCKET_NAME: bucketName },
    },
    recordRestoreDrill: {
      id: 'RecordRestoreDrill',
      entry: 'record-restore-drill.ts',
      description: 'Records a restore drill beside the manifest and in the database drill record',
      memorySize: 512,
      timeout: Duration.minutes(1),
      environment: { BUCKET_NAME: bucketName },
    },
    checkOffsiteCopy: offsiteCheck
      ? {
          id: 'CheckOffsiteCopy',
          entry: 'check-offsite-copy.ts',
          description: "Checks that a backup's objects replicated off-site and writes offsite.json",
          memorySize: 512,
          // One HeadObject per object, twice, and one small write.
          timeout: Duration.minutes(2),
          // Named: the off-site bucket's policy names it (OffsiteBackupBucket checkerRoleArn).
          roleName: offsiteCheck.roleName,
          environment: {
            BUCKET_NAME: bucketName,
            OFFSITE_BUCKET_NAME: offsiteCheck.bucket.bucketName,
            OFFSITE_REGION: offsiteCheck.region,
            OFFSITE_MAX_LAG_SECONDS: String((offsiteCheck.maxLag ?? Duration.hours(1)).toSeconds()),
          },
        }
      : undefined,
  };
}
