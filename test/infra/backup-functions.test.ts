import { Size, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackupFunctions, type BackupFunctionsProps } from '../../infra/constructs/backup-functions.js';
import type { OrdsDatapumpBackup } from '../../infra/ords-datapump-backup.js';
import {
  actionsOf,
  exampleConfig,
  logicalIdOf,
  newApp,
  resourcesOf,
  roleOfFunction,
  type Synthesized,
  statementsOfRole,
  synthesize,
} from './synth.js';

const MIB = 1024 * 1024;

/** The template of a stack holding only `BackupFunctions` with these copy settings. */
function functionsTemplate(props: Omit<BackupFunctionsProps, 'bucket' | 'bindingParameterPath'>): Template {
  const { app, cleanup } = newApp();
  try {
    const stack = new Stack(app, 'Test');
    new BackupFunctions(stack, 'Functions', {
      bucket: new Bucket(stack, 'Bucket'),
      bindingParameterPath: '/test/databases',
      ...props,
    });
    return Template.fromStack(stack);
  } finally {
    cleanup();
  }
}

function copyFunctionMemory(template: Template): number {
  const copy = Object.values(template.findResources('AWS::Lambda::Function')).find(
    (fn) => fn.Properties.Environment.Variables.COPY_PARTS_IN_FLIGHT !== undefined,
  );
  return copy!.Properties.MemorySize as number;
}

describe('BackupFunctions', () => {
  let synthesized: Synthesized;
  let stack: OrdsDatapumpBackup;
  beforeAll(() => {
    synthesized = synthesize(exampleConfig());
    stack = synthesized.built.backup;
  });
  afterAll(() => synthesized.cleanup());

  const allFunctions = () => {
    const { functions } = stack;
    return {
      startExport: functions.startExport,
      readJob: functions.readJob,
      readLog: functions.readLog,
      copyFile: functions.copyFile,
      writeManifest: functions.writeManifest,
    };
  };

  it('creates thirteen ARM64 functions (nine tasks, the doctor, the notifier, the launcher and the age check) on the newest Node.js runtime with tracing on', () => {
    synthesized.template.resourceCountIs('AWS::Lambda::Function', 13);
    for (const fn of Object.values(synthesized.template.findResources('AWS::Lambda::Function'))) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        Handler: 'index.handler',
      });
    }
  });

  it('gives every function explicit memory, a timeout and a log group kept three months', () => {
    const { json } = synthesized;
    for (const fn of Object.values(allFunctions())) {
      const props = json.Resources[logicalIdOf(fn)]!.Properties;
      const logGroupId = props.LoggingConfig.LogGroup.Ref as string;

      expect(props.MemorySize).toBeGreaterThanOrEqual(512);
      expect(props.Timeout).toBeGreaterThanOrEqual(60);
      expect(json.Resources[logGroupId]!.Properties.RetentionInDays).toBe(90);
    }
  });

  it('gives the copy function 15 minutes and the ORDS readers more than the ORDS client waits for an answer', () => {
    const { json } = synthesized;
    const timeouts = Object.fromEntries(
      Object.entries(allFunctions()).map(([name, fn]) => [
        name,
        json.Resources[logicalIdOf(fn)]!.Properties.Timeout,
      ]),
    );

    expect(timeouts).toEqual({
      startExport: 300,
      readJob: 180,
      readLog: 180,
      copyFile: 900,
      writeManifest: 60,
    });
  });

  it('sets the Powertools settings and the binding path everywhere, the bucket only where it is written', () => {
    const { json } = synthesized;
    for (const [name, fn] of Object.entries(allFunctions())) {
      const variables = json.Resources[logicalIdOf(fn)]!.Properties.Environment.Variables;

      expect(variables).toMatchObject({
        POWERTOOLS_SERVICE_NAME: 'ords-datapump-backup',
        POWERTOOLS_METRICS_NAMESPACE: 'OrdsDatapumpBackup',
        NODE_OPTIONS: expect.stringMatching(/^--enable-source-maps( |$)/),
        DATABASE_PARAMETER_PATH: '/ords-datapump-backup/databases',
      });
      // Changed on purpose: "Read job" and "Read log" check the run's ORDS slots (a redrive) in the bucket.
      expect('BUCKET_NAME' in variables).toBe(
        ['copyFile', 'writeManifest', 'startExport', 'readJob', 'readLog'].includes(name),
      );
    }
  });

  it('configures the copy function with its part and file limits', () => {
    const variables =
      synthesized.json.Resources[logicalIdOf(stack.functions.copyFile)]!.Properties.Environment.Variables;

    expect(variables).toMatchObject({
      COPY_PARTS_IN_FLIGHT: '2',
      COPY_MIN_PART_SIZE_BYTES: String(8 * MIB),
      COPY_MAX_FILE_BYTES: String(512 * 1024 * MIB),
      COPY_SAFETY_MARGIN_SECONDS: '60',
      // A small young generation: download chunks freed by scavenges, not by full collections.
      NODE_OPTIONS: '--enable-source-maps --max-semi-space-size=1',
    });
  });

  // Changed on purpose: every step that calls ORDS may create an ORDS slot (a redrive holds its slot again).
  it('lets only the copy, manifest and start-export (run lock) functions write the bucket beyond the ORDS slots', () => {
    const { json } = synthesized;
    const writers = Object.entries(allFunctions())
      .filter(([, fn]) =>
        statementsOfRole(json, roleOfFunction(json, logicalIdOf(fn))).some(
          (statement) =>
            statement.Effect === 'Allow' &&
            actionsOf(statement).some((action) => /^s3:(PutObject|\*)$/.test(action)) &&
            resourcesOf(statement).some((resource) => !JSON.stringify(resource).endsWith('/_slots/*"]]}')),
        ),
      )
      .map(([name]) => name);

    expect(writers).toEqual(['startExport', 'copyFile', 'writeManifest']);
  });

  // Changed on purpose: they hold the run's ORDS slots again before a redriven step calls ORDS.
  it('gives the read-log and read-job functions S3 access to the ORDS slots only, creating one only with If-None-Match', () => {
    const { json } = synthesized;
    const slots = {
      'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalIdOf(stack.bucket), 'Arn'] }, '/oracle/_slots/*']],
    };
    for (const fn of [stack.functions.readLog, stack.functions.readJob]) {
      const s3 = statementsOfRole(json, roleOfFunction(json, logicalIdOf(fn))).filter((statement) =>
        actionsOf(statement).some((action) => action.startsWith('s3:')),
      );

      expect(s3.map((statement) => [actionsOf(statement).sort(), statement.Condition])).toEqual([
        [['s3:DeleteObject', 's3:GetObject'], undefined],
        [['s3:PutObject'], { Null: { 's3:if-none-match': 'false' } }],
        [['s3:ListBucket'], { StringLike: { 's3:prefix': ['oracle/_slots/*'] } }],
      ]);
      expect(s3.slice(0, 2).flatMap(resourcesOf)).toEqual([slots, slots]);
    }
  });

  it('gives the copy function only the object actions of a resumable multipart upload', () => {
    const { json } = synthesized;
    const statements = statementsOfRole(
      json,
      roleOfFunction(json, logicalIdOf(stack.functions.copyFile)),
    ).filter(
      (statement) =>
        statement.Effect === 'Allow' && actionsOf(statement).some((action) => action.startsWith('s3:')),
    );
    const bucketId = logicalIdOf(stack.bucket);

    // Scoped to the deployment's key prefix: the example's databases all store under oracle/.
    const objects = { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/oracle/*']] };
    const slots = { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/oracle/_slots/*']] };
    const onSlots = (statement: (typeof statements)[number]) =>
      resourcesOf(statement).every((resource) => JSON.stringify(resource) === JSON.stringify(slots));
    const unconditional = statements.filter((statement) => statement.Condition === undefined);
    // Changed on purpose: the ORDS slots, held again before a redriven "Copy file" calls ORDS.
    expect(unconditional.filter(onSlots).map((statement) => actionsOf(statement).sort())).toEqual([
      ['s3:DeleteObject', 's3:GetObject'],
    ]);
    unconditional.splice(unconditional.findIndex(onSlots), 1);

    expect(unconditional).toHaveLength(1);
    expect(actionsOf(unconditional[0]!).sort()).toEqual([
      's3:AbortMultipartUpload',
      's3:GetObject',
      's3:GetObjectTagging',
      's3:ListMultipartUploadParts',
      's3:PutObjectTagging',
    ]);
    expect(resourcesOf(unconditional[0]!)).toEqual([objects]);
  });

  it('lets the copy function create objects only with If-None-Match (issue 18): never replace one', () => {
    const { json } = synthesized;
    const puts = statementsOfRole(json, roleOfFunction(json, logicalIdOf(stack.functions.copyFile))).filter(
      (statement) => statement.Effect === 'Allow' && actionsOf(statement).includes('s3:PutObject'),
    );
    const bucketId = logicalIdOf(stack.bucket);

    // The AWS-documented pair: a write with If-None-Match, or a multipart step that creates nothing.
    expect(puts.map((statement) => [actionsOf(statement), statement.Condition])).toEqual([
      [['s3:PutObject'], { Null: { 's3:if-none-match': 'false' } }],
      [['s3:PutObject'], { Bool: { 's3:ObjectCreationOperation': 'false' } }],
    ]);
    const objects = { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/oracle/*']] };
    const slots = { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/oracle/_slots/*']] };
    // Changed on purpose: with If-None-Match, an ORDS slot too (a redriven "Copy file" holds it again).
    expect(resourcesOf(puts[0]!)).toEqual([objects, slots]);
    expect(resourcesOf(puts[1]!)).toEqual([objects]);
  });

  it('denies the copy function any write of a manifest, a last-backup record, a run lock or a cleanup record', () => {
    const { json } = synthesized;
    const denied = statementsOfRole(json, roleOfFunction(json, logicalIdOf(stack.functions.copyFile))).filter(
      (statement) => statement.Effect === 'Deny',
    );
    const bucketId = logicalIdOf(stack.bucket);

    expect(denied).toHaveLength(1);
    expect(actionsOf(denied[0]!)).toEqual(['s3:PutObject']);
    expect(resourcesOf(denied[0]!)).toEqual(
      expect.arrayContaining([
        { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/*manifest.json']] },
        { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/*last-backup.json']] },
        { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/*_locks/*.json']] },
        { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/*server-cleanup.json']] },
      ]),
    );
  });

  it('lets the cleanup function put only server-cleanup.json and unfinished-runs keys, read only manifests, run locks and those records, and delete only run locks', () => {
    const { json } = synthesized;
    const s3 = statementsOfRole(
      json,
      roleOfFunction(json, logicalIdOf(stack.functions.cleanUpServer)),
    ).filter((statement) => actionsOf(statement).some((action) => action.startsWith('s3:')));
    const bucketId = logicalIdOf(stack.bucket);
    const keysFor = (action: string) =>
      s3.filter((statement) => actionsOf(statement).includes(action)).flatMap(resourcesOf);

    // Changed on purpose: ListBucket under the ORDS slots, which "Release run lock" and a redriven
    // cleanup read (a slot a redriven step replaced), and creating a slot with If-None-Match.
    expect(new Set(s3.flatMap(actionsOf))).toEqual(
      new Set(['s3:PutObject', 's3:GetObject', 's3:DeleteObject', 's3:ListBucket']),
    );
    const distinct = (keys: unknown[]) =>
      [...new Set(keys.map((key) => JSON.stringify(key)))].map((key) => JSON.parse(key));
    // "Release run lock": its own run lock and ORDS slots, at the end of the run
    expect(distinct(keysFor('s3:DeleteObject'))).toEqual([
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/oracle/*_locks/*.json']] },
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/oracle/_slots/*']] },
    ]);
    // Changed on purpose: the cleanup takes its run out of the database's unfinished runs.
    expect(keysFor('s3:PutObject')).toEqual([
      {
        'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/oracle/*_locks/*.unfinished.json']],
      },
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/oracle/*/server-cleanup.json']] },
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/oracle/_slots/*']] },
    ]);
    expect(
      s3.find(
        (statement) =>
          JSON.stringify(resourcesOf(statement)).includes('_slots') &&
          actionsOf(statement).includes('s3:PutObject'),
      )?.Condition,
    ).toEqual({ Null: { 's3:if-none-match': 'false' } });
    expect(keysFor('s3:GetObject')).toEqual(
      expect.arrayContaining([
        { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/oracle/*/manifest.json']] },
        { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/oracle/*_locks/*.json']] },
        { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/oracle/_slots/*']] },
      ]),
    );
    // A retry reads server-cleanup.json back to recognise its earlier try's record (issue 18).
    expect(keysFor('s3:GetObject')).toContainEqual({
      'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/oracle/*/server-cleanup.json']],
    });
    expect(distinct(keysFor('s3:GetObject'))).toHaveLength(4);
  });

  // Changed on purpose (#17): the drill writes its intent record, besides reading the run locks.
  it('lets the restore drill function read the run locks, and write only its intent records', () => {
    const { json } = synthesized;
    const s3 = statementsOfRole(json, roleOfFunction(json, logicalIdOf(stack.functions.restoreDrill))).filter(
      (statement) => actionsOf(statement).some((action) => action.startsWith('s3:')),
    );
    const bucketId = logicalIdOf(stack.bucket);
    const objectKeysFor = (action: string) =>
      s3
        .filter((statement) => actionsOf(statement).includes(action))
        .flatMap(resourcesOf)
        .filter((resource) => JSON.stringify(resource).includes('/*'));

    // Changed on purpose: the drill's steps hold the run's ORDS slots again before a redrive calls ORDS.
    expect(new Set(s3.flatMap(actionsOf))).toEqual(
      new Set(['s3:GetObject', 's3:PutObject', 's3:ListBucket', 's3:DeleteObject']),
    );
    const slots = { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/oracle/_slots/*']] };
    expect(objectKeysFor('s3:PutObject')).toEqual([
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/oracle/*/restore-drill-intent.json']] },
      slots,
    ]);
    expect(objectKeysFor('s3:GetObject')).toEqual([
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/oracle/*_locks/*.json']] },
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/oracle/*/restore-drill-intent.json']] },
      slots,
    ]);
    expect(objectKeysFor('s3:DeleteObject')).toEqual([slots]);
  });

  it('lets every task function read only the bindings under the deployment path', () => {
    const { json } = synthesized;
    for (const fn of Object.values(allFunctions())) {
      const reads = statementsOfRole(json, roleOfFunction(json, logicalIdOf(fn))).filter((statement) =>
        actionsOf(statement).some((action) => action.startsWith('ssm:')),
      );

      expect(reads.flatMap(actionsOf)).toEqual(['ssm:GetParameter']);
      expect(JSON.stringify(reads.flatMap(resourcesOf))).toContain(
        ':parameter/ords-datapump-backup/databases/*',
      );
    }
  });

  it('lets the manifest function put only manifest.json and last-backup.json keys', () => {
    const { json } = synthesized;
    const puts = statementsOfRole(
      json,
      roleOfFunction(json, logicalIdOf(stack.functions.writeManifest)),
    ).filter((statement) => actionsOf(statement).includes('s3:PutObject'));
    const bucketId = logicalIdOf(stack.bucket);

    expect(new Set(puts.flatMap(actionsOf))).toEqual(new Set(['s3:PutObject']));
    const resources = puts.flatMap(resourcesOf);
    expect(resources).toHaveLength(2);
    expect(resources).toEqual(
      expect.arrayContaining([
        { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/oracle/*/manifest.json']] },
        { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/oracle/*/last-backup.json']] },
      ]),
    );
  });

  it("lets the manifest function list the bucket, so a database's missing last-backup.json reads as absent", () => {
    // S3 answers GetObject of a missing key with AccessDenied to a role without s3:ListBucket: the
    // first backup of a database would fail reading its last-backup record.
    const { json } = synthesized;
    const lists = statementsOfRole(
      json,
      roleOfFunction(json, logicalIdOf(stack.functions.writeManifest)),
    ).filter((statement) => statement.Effect === 'Allow' && actionsOf(statement).includes('s3:ListBucket'));

    expect(lists.flatMap(resourcesOf)).toContainEqual({ 'Fn::GetAtt': [logicalIdOf(stack.bucket), 'Arn'] });
  });

  it('names the doctor function ords-datapump-backup-doctor and outputs the name for npm run doctor', () => {
    const { json } = synthesized;
    const doctor = json.Resources[logicalIdOf(stack.functions.doctor)]!.Properties;

    expect(doctor.FunctionName).toBe('ords-datapump-backup-doctor');
    expect(doctor.Environment.Variables.DATABASE_PARAMETER_PATH).toBe('/ords-datapump-backup/databases');
    expect(json.Outputs!.DoctorFunctionName.Value).toEqual({ Ref: logicalIdOf(stack.functions.doctor) });
  });

  it('gives the doctor read-only S3 access to last-backup.json and manifests (the undo check), the bindings to read and list, and the secrets of every ORDS caller', () => {
    const { json } = synthesized;
    const statements = statementsOfRole(json, roleOfFunction(json, logicalIdOf(stack.functions.doctor)));
    const actions = statements.flatMap(actionsOf);

    const storage = new Set(
      actions.filter((action) => action.startsWith('s3:') || action.startsWith('kms:')),
    );
    expect(storage).toContain('s3:GetObject');
    for (const action of storage) expect(['s3:GetObject', 's3:ListBucket', 'kms:Decrypt']).toContain(action);
    const s3Resources = statements
      .filter((statement) => actionsOf(statement).some((action) => action.startsWith('s3:')))
      .flatMap(resourcesOf)
      .map((resource) => JSON.stringify(resource));
    for (const resource of s3Resources) {
      expect(resource).toMatch(
        /\/\*\/last-backup\.json|\/\*\/manifest\.json|\/\*\/consistency-probe\.json|"Arn"\]\}$/,
      );
    }
    expect(actions.filter((action) => action.startsWith('ssm:')).sort()).toEqual([
      'ssm:GetParameter',
      'ssm:GetParametersByPath',
    ]);
    const list = statements.find((statement) => actionsOf(statement).includes('ssm:GetParametersByPath'))!;
    expect(JSON.stringify(resourcesOf(list))).toMatch(/:parameter\/ords-datapump-backup\/databases"/);
    expect(stack.functions.ordsCallerRoles).toContain(stack.functions.doctor.role);
  });

  it('fails at synth on a doctor function name Lambda refuses', () => {
    expect(() => functionsTemplate({ doctorFunctionName: 'doctor name with spaces' })).toThrow(
      /doctorFunctionName must be 1 to 64 of A-Za-z0-9-_, got "doctor name with spaces"/,
    );
  });

  it('sizes the copy function for the largest part of a 512 GiB file of unknown length by default', () => {
    // Parts from 8 MiB double every 1,000 parts; the 7th tier (512 MiB parts) reaches 512 GiB:
    // 512 × (2 + 1) + 256 = 1792 MiB.
    expect(copyFunctionMemory(functionsTemplate({}))).toBe(1792);
  });

  it('sizes the copy function by the formula for larger files and more parts in flight', () => {
    // 1 TiB is reached by the 8th tier (1 GiB parts): 1024 × (4 + 1) + 256 = 5376 MiB.
    expect(copyFunctionMemory(functionsTemplate({ partsInFlight: 4, maxFileSize: Size.tebibytes(1) }))).toBe(
      5376,
    );
  });

  it('sizes the copy function by the minimum part size when that is larger', () => {
    // 1,000 parts of 512 MiB already hold 100 GiB: 512 × (3 + 1) + 256 = 2304 MiB.
    expect(
      copyFunctionMemory(
        functionsTemplate({
          partsInFlight: 3,
          minPartSize: Size.mebibytes(512),
          maxFileSize: Size.gibibytes(100),
        }),
      ),
    ).toBe(2304);
  });

  it('fails when the copy function would need more than 10,240 MiB', () => {
    expect(() => functionsTemplate({ partsInFlight: 20, maxFileSize: Size.tebibytes(5) })).toThrow(
      /Test\/Functions: the copy function would need 86272 MiB \(parts of up to 4096 MiB × \(partsInFlight 20 \+ 1\) \+ 256 MiB\), more than Lambda's 10240 MiB/,
    );
  });

  it('fails with a minimum part size below 8 MiB', () => {
    expect(() => functionsTemplate({ minPartSize: Size.mebibytes(5) })).toThrow(
      'Test/Functions: minPartSize must be at least 8 MiB, got 5242880 bytes',
    );
  });

  it('fails with parts in flight below 1', () => {
    expect(() => functionsTemplate({ partsInFlight: 0 })).toThrow(
      'Test/Functions: partsInFlight must be a whole number of at least 1, got 0',
    );
  });
});
