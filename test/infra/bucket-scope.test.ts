import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_KEY_PREFIXES } from '../../infra/constructs/deployment-keys.js';
import { resolver, simulateRole } from './policy-simulation.js';
import {
  actionsOf,
  configOf,
  logicalIdOf,
  roleOfFunction,
  type Statement,
  type Synthesized,
  statementsOfRole,
  synthesize,
  type TemplateJson,
} from './synth.js';

/**
 * Issue 18: every write grant of every function is scoped to the deployment's key prefixes. The
 * deployment below stores under `a/` only (two databases, one under a sub-folder), so no role may
 * write `b/…`, the keys of another deployment sharing the bucket. Checked twice: a plain assertion
 * on every write statement of the templates, and an offline evaluation with
 * @cloud-copilot/iam-simulate, whose fidelity the first case checks (the same write is allowed
 * under `a/`).
 */

const BUCKET_ARN = 'arn:aws:s3:::shared-backups';

/** Actions that create, change or delete an object (or its tags, retention, parts). */
const WRITE_ACTION =
  /^s3:(\*|Put.*|Delete.*|AbortMultipartUpload|Replicate.*|Restore.*|BypassGovernanceRetention)$/;

type Policy = { Version: string; Statement: Statement[] };

describe('bucket writes scoped to the deployment prefix (issue 18)', () => {
  let synthesized: Synthesized;
  let resolve: (value: unknown) => unknown;
  beforeAll(() => {
    synthesized = synthesize(
      configOf({
        // With Object Lock: the manifest step extends locks; nobody may bypass or remove one.
        bucket: { objectLock: { mode: 'COMPLIANCE', retentionDays: 30 } },
        databases: [
          {
            id: 'orders',
            ordsUrl: 'https://orders.example.com/ords/hr/',
            secret: 'prod/ords/orders',
            prefix: 'a/',
          },
          {
            id: 'billing',
            ordsUrl: 'https://billing.example.com/ords/hr/',
            secret: 'prod/ords/billing',
            prefix: 'a/finance/',
          },
        ],
      }),
    );
    resolve = resolver(logicalIdOf(synthesized.built.backup.bucket), BUCKET_ARN);
  });
  afterAll(() => synthesized.cleanup());

  /** Every IAM statement of every stack, with the role (or policy) it belongs to. */
  const allStatements = (): Array<{ owner: string; statement: Statement }> =>
    [...synthesized.jsons.values()].flatMap((json: TemplateJson) =>
      Object.entries(json.Resources).flatMap(([id, resource]) => {
        const documents =
          resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy'
            ? [resource.Properties.PolicyDocument]
            : resource.Type === 'AWS::IAM::Role'
              ? ((resource.Properties.Policies ?? []) as Array<{ PolicyDocument: unknown }>).map(
                  (policy) => policy.PolicyDocument,
                )
              : [];
        return documents.flatMap((document) =>
          ((resolve(document) as Policy).Statement ?? []).map((statement) => ({ owner: id, statement })),
        );
      }),
    );

  it('grants no write outside the deployment prefix a/, in any stack (plain check)', () => {
    const writes = allStatements().filter(
      ({ statement }) =>
        statement.Effect === 'Allow' && actionsOf(statement).some((action) => WRITE_ACTION.test(action)),
    );
    // The copy, manifest, start-export (lock), cleanup (record, lock release) and drill record writers.
    expect(new Set(writes.map(({ owner }) => owner)).size).toBeGreaterThanOrEqual(5);
    for (const { owner, statement } of writes) {
      const resources = [statement.Resource].flat() as string[];
      for (const resource of resources) {
        expect(resource, `${owner}: ${actionsOf(statement).join(',')}`).toMatch(
          /^arn:aws:s3:::shared-backups\/a\//,
        );
      }
    }
  });

  /** Whether the role of `fn` may do `action` on `key` of the bucket, with `context`. */
  const decide = async (
    fn: Parameters<typeof logicalIdOf>[0],
    action: string,
    key: string,
    context: Record<string, string> = {},
  ) =>
    simulateRole(synthesized.json, resolve, roleOfFunction(synthesized.json, logicalIdOf(fn)), {
      action,
      resource: `${BUCKET_ARN}/${key}`,
      context,
    });
  const CREATE = { 's3:if-none-match': '*', 's3:ObjectCreationOperation': 'true' };

  it('lets each writer write its own keys under a/ (the simulator allows what the grants name)', async () => {
    const { functions } = synthesized.built.backup;

    expect(
      await decide(functions.copyFile, 's3:PutObject', 'a/orders/2026-12-07/J1/orders_01.dmp', CREATE),
    ).toBe('Allowed');
    expect(
      await decide(functions.copyFile, 's3:PutObject', 'a/finance/billing/2026-12-07/J1/b.dmp', CREATE),
    ).toBe('Allowed');
    expect(
      await decide(functions.writeManifest, 's3:PutObject', 'a/orders/2026-12-07/J1/manifest.json'),
    ).toBe('Allowed');
    expect(await decide(functions.startExport, 's3:PutObject', 'a/_locks/orders.json')).toBe('Allowed');
    // It reads the last-backup record (the dump file size grows with it), and may not write it.
    expect(await decide(functions.startExport, 's3:GetObject', 'a/orders/last-backup.json')).toBe('Allowed');
    expect(await decide(functions.startExport, 's3:PutObject', 'a/orders/last-backup.json')).not.toBe(
      'Allowed',
    );
    expect(await decide(functions.cleanUpServer, 's3:DeleteObject', 'a/_locks/orders.json')).toBe('Allowed');
    expect(
      await decide(functions.cleanUpServer, 's3:PutObject', 'a/orders/2026-12-07/J1/server-cleanup.json'),
    ).toBe('Allowed');
  });

  it('lets the run steps keep the unfinished-runs record beside the lock, and nobody else write it', async () => {
    const { functions } = synthesized.built.backup;
    const record = 'a/_locks/orders.unfinished.json';

    // "Start export" records its run; the cleanup takes it out (rewritten, or deleted when empty)
    for (const action of ['s3:GetObject', 's3:PutObject']) {
      expect(await decide(functions.startExport, action, record), action).toBe('Allowed');
    }
    for (const action of ['s3:GetObject', 's3:PutObject', 's3:DeleteObject']) {
      expect(await decide(functions.cleanUpServer, action, record), action).toBe('Allowed');
    }
    // The cleanup's new write reaches that record only: it still cannot write a run lock
    expect(await decide(functions.cleanUpServer, 's3:PutObject', 'a/_locks/orders.json')).not.toBe('Allowed');
    // The copy and manifest steps cannot change it
    expect(await decide(functions.copyFile, 's3:PutObject', record, CREATE)).not.toBe('Allowed');
    expect(await decide(functions.writeManifest, 's3:PutObject', record)).not.toBe('Allowed');
    expect(await decide(functions.startExport, 's3:PutObject', 'b/_locks/orders.unfinished.json')).not.toBe(
      'Allowed',
    );
  });

  it("denies every writer the same keys under b/, another deployment's prefix", async () => {
    const { functions } = synthesized.built.backup;

    expect(
      await decide(functions.copyFile, 's3:PutObject', 'b/orders/2026-12-07/J1/orders_01.dmp', CREATE),
    ).not.toBe('Allowed');
    expect(
      await decide(functions.copyFile, 's3:PutObject', 'orders/2026-12-07/J1/orders_01.dmp', CREATE),
    ).not.toBe('Allowed');
    expect(await decide(functions.copyFile, 's3:PutObjectTagging', 'b/orders/x.dmp')).not.toBe('Allowed');
    expect(await decide(functions.copyFile, 's3:AbortMultipartUpload', 'b/orders/x.dmp')).not.toBe('Allowed');
    expect(
      await decide(functions.writeManifest, 's3:PutObject', 'b/orders/2026-12-07/J1/manifest.json'),
    ).not.toBe('Allowed');
    expect(await decide(functions.writeManifest, 's3:PutObjectRetention', 'b/orders/x.dmp')).not.toBe(
      'Allowed',
    );
    expect(await decide(functions.startExport, 's3:PutObject', 'b/_locks/orders.json')).not.toBe('Allowed');
    expect(await decide(functions.startExport, 's3:GetObject', 'b/orders/last-backup.json')).not.toBe(
      'Allowed',
    );
    expect(await decide(functions.cleanUpServer, 's3:DeleteObject', 'b/_locks/orders.json')).not.toBe(
      'Allowed',
    );
    expect(
      await decide(functions.cleanUpServer, 's3:PutObject', 'b/orders/2026-12-07/J1/server-cleanup.json'),
    ).not.toBe('Allowed');
    expect(
      await decide(functions.recordRestoreDrill, 's3:PutObject', 'b/orders/2026-12-07/J1/restore-drill.json'),
    ).not.toBe('Allowed');
  });

  it('gives the manifest step the Object Lock actions it needs under a/, and no role a way around a lock', async () => {
    const { functions } = synthesized.built.backup;
    const bucket = Object.values(synthesized.json.Resources).find(
      (resource) => resource.Type === 'AWS::S3::Bucket',
    );
    expect(bucket?.Properties).toMatchObject({
      ObjectLockEnabled: true,
      VersioningConfiguration: { Status: 'Enabled' },
    });

    // HeadObject shows a lock only with s3:GetObjectRetention; extending it needs s3:PutObjectRetention.
    for (const action of ['s3:GetObjectRetention', 's3:PutObjectRetention']) {
      expect(
        await decide(functions.writeManifest, action, 'a/orders/2026-12-07/J1/orders_01.dmp'),
        action,
      ).toBe('Allowed');
    }
    const lockBreakers =
      /^s3:(\*|BypassGovernanceRetention|PutObjectLegalHold|PutBucketObjectLockConfiguration|DeleteObjectVersion)$/;
    const breaking = allStatements().filter(
      ({ statement }) =>
        statement.Effect === 'Allow' && actionsOf(statement).some((action) => lockBreakers.test(action)),
    );
    expect(breaking.map(({ owner, statement }) => `${owner}: ${actionsOf(statement).join(',')}`)).toEqual([]);
  });
});

describe('a fleet with more distinct prefixes than a grant names one by one', () => {
  it('scopes the writes to the folder the prefixes share, and warns at synth', () => {
    const databases = Array.from({ length: MAX_KEY_PREFIXES + 1 }, (_, index) => ({
      id: `db${index}`,
      ordsUrl: `https://db${index}.example.com/ords/hr/`,
      secret: `prod/ords/db${index}`,
      prefix: `backups/team-${index}/`,
    }));
    const synthesized = synthesize(configOf({ databases }));
    try {
      const { json, built } = synthesized;
      const resolve = resolver(logicalIdOf(built.backup.bucket), BUCKET_ARN);
      const copyRole = roleOfFunction(json, logicalIdOf(built.backup.functions.copyFile));
      const puts = statementsOfRole(json, copyRole).filter(
        (statement) => statement.Effect === 'Allow' && actionsOf(statement).includes('s3:PutObject'),
      );

      expect(puts.flatMap((statement) => [resolve(statement.Resource)].flat())).toEqual([
        'arn:aws:s3:::shared-backups/backups/*',
        // Changed on purpose: an ORDS slot, created with If-None-Match by a redriven "Copy file".
        'arn:aws:s3:::shared-backups/backups/_slots/*',
        'arn:aws:s3:::shared-backups/backups/*',
      ]);
      const warnings = Annotations.fromStack(built.main).findWarning(
        '*',
        Match.stringLikeRegexp(
          'distinct database prefixes: the functions may write anywhere under "backups/"',
        ),
      );
      expect(warnings).toHaveLength(1);
    } finally {
      synthesized.cleanup();
    }
  });
});
