import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolver, simulateRole } from './policy-simulation.js';
import {
  actionsOf,
  configOf,
  logicalIdOf,
  roleOfFunction,
  type Statement,
  type Synthesized,
  synthesize,
  type TemplateJson,
} from './synth.js';

/**
 * s3:ListBucket only under the deployment's key prefixes: a `StringLike` condition on `s3:prefix`
 * (`<prefix>*` per prefix), so a role cannot list the keys another deployment stores in a shared
 * bucket. S3 also answers a GetObject or HeadObject of a missing key with 404 NoSuchKey only to a
 * caller that may list, and evaluates that permission with the key as `s3:prefix` (the s3-tests case
 * `test_head_object_404_with_policy_prefix`: a listing allowed under `public/*` gives 404 for a
 * missing `public/object` and 403 for `private/object`); so every key a role reads that may be
 * missing (a database's first backup, drill, probe) must stay listable, and the keys of `b/` not.
 */

const BUCKET_ARN = 'arn:aws:s3:::shared-backups';
const BERLIN = { start: '01:00', hours: 4, timeZone: 'Europe/Berlin' };
/** Listing actions: a grant of any of these on the bucket lists its keys. */
const LIST_ACTION = /^s3:(\*|List\*|ListBucket|ListBucketVersions)$/;

type Policy = { Version: string; Statement: Statement[] };

/** Every Allow statement of every stack that lists the bucket, with its owner's logical id. */
function listingStatements(
  synthesized: Synthesized,
  resolve: (value: unknown) => unknown,
): Array<{ owner: string; statement: Statement }> {
  return [...synthesized.jsons.values()].flatMap((json: TemplateJson) =>
    Object.entries(json.Resources)
      .filter(([, resource]) => resource.Type === 'AWS::IAM::Policy')
      .flatMap(([owner, resource]) =>
        (resolve(resource.Properties.PolicyDocument) as Policy).Statement.map((statement) => ({
          owner,
          statement,
        })),
      )
      .filter(
        ({ statement }) =>
          statement.Effect === 'Allow' && actionsOf(statement).some((action) => LIST_ACTION.test(action)),
      ),
  );
}

describe('s3:ListBucket only under the deployment prefixes', () => {
  let synthesized: Synthesized;
  let resolve: (value: unknown) => unknown;
  beforeAll(() => {
    synthesized = synthesize(
      configOf({
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
            prefix: 'c/finance/',
            // A night window: the "Start window" function reads the last-backup records too.
            window: BERLIN,
          },
        ],
      }),
    );
    resolve = resolver(logicalIdOf(synthesized.built.backup.bucket), BUCKET_ARN);
  });
  afterAll(() => synthesized.cleanup());

  /** Every role that lists the bucket, by the function it serves. */
  const listers = () => {
    const { functions, backupAge, windowLauncher } = synthesized.built.backup;
    return {
      'Start export': functions.startExport,
      'Write manifest': functions.writeManifest,
      'Record restore drill': functions.recordRestoreDrill,
      'Restore drill': functions.restoreDrill,
      Restore: functions.restore,
      Doctor: functions.doctor,
      'Check backup age': backupAge.function,
      'Start window': windowLauncher.function!,
    };
  };
  /** The roles that list only the ORDS slots, to hold them again before a redriven step calls ORDS. */
  const slotCheckers = () => {
    const { functions } = synthesized.built.backup;
    return {
      'Read job': functions.readJob,
      'Read log': functions.readLog,
      'Copy file': functions.copyFile,
      'Clean up server': functions.cleanUpServer,
      'Restore drill': functions.restoreDrill,
    };
  };
  const list = (fn: IFunction, prefix?: string) =>
    simulateRole(synthesized.json, resolve, roleOfFunction(synthesized.json, logicalIdOf(fn)), {
      action: 's3:ListBucket',
      resource: BUCKET_ARN,
      context: prefix === undefined ? {} : { 's3:prefix': prefix },
    });
  const get = (fn: IFunction, key: string) =>
    simulateRole(synthesized.json, resolve, roleOfFunction(synthesized.json, logicalIdOf(fn)), {
      action: 's3:GetObject',
      resource: `${BUCKET_ARN}/${key}`,
    });

  it('conditions every listing of the bucket, in any stack, on s3:prefix under a/ or c/finance/ (plain check)', () => {
    const all = listingStatements(synthesized, resolve);
    // The steps that call ORDS list only the ORDS slots (a redriven step holds its slot again).
    const slotOnly = all.filter(({ statement }) =>
      JSON.stringify(statement.Condition ?? {}).includes('_slots/*'),
    );
    expect(new Set(slotOnly.map(({ owner }) => owner)).size).toBe(Object.keys(slotCheckers()).length);
    for (const { owner, statement } of slotOnly) {
      expect(statement.Condition, owner).toEqual({
        StringLike: { 's3:prefix': ['a/_slots/*', 'c/finance/_slots/*'] },
      });
    }
    const listings = all.filter((listing) => !slotOnly.includes(listing));
    const owners = new Set(listings.map(({ owner }) => owner));
    expect(owners.size).toBe(Object.keys(listers()).length);
    for (const { owner, statement } of listings) {
      expect(actionsOf(statement), owner).toEqual(['s3:ListBucket']);
      expect(statement.Resource, owner).toBe(BUCKET_ARN);
      expect(statement.Condition, owner).toEqual({ StringLike: { 's3:prefix': ['a/*', 'c/finance/*'] } });
    }
  });

  it('lets each role list under its prefixes, and denies b/, a look-alike, the root and a listing without a prefix', async () => {
    for (const [name, fn] of Object.entries(listers())) {
      expect(await list(fn, 'a/orders/'), name).toBe('Allowed');
      expect(await list(fn, 'a/_slots/orders.example.com/'), name).toBe('Allowed');
      expect(await list(fn, 'c/finance/billing/'), name).toBe('Allowed');
      for (const outside of ['b/', 'b/orders/', 'c/', 'c/financed/', 'ab/', '', 'A/orders/']) {
        expect(await list(fn, outside), `${name} lists "${outside}"`).not.toBe('Allowed');
      }
      expect(await list(fn), `${name} lists the whole bucket`).not.toBe('Allowed');
    }
  });

  it('lets the steps that call ORDS read and list the ORDS slots under the prefixes, and nothing else', async () => {
    for (const [name, fn] of Object.entries(slotCheckers())) {
      for (const prefix of ['a/', 'c/finance/']) {
        const slot = `${prefix}_slots/https_orders.example.com/0.json`;
        expect(await get(fn, slot), `${name} reads ${slot}`).toBe('Allowed');
        expect(await list(fn, slot), `${name}: NoSuchKey for a slot nobody holds`).toBe('Allowed');
      }
      expect(await get(fn, 'b/_slots/https_orders.example.com/0.json'), name).not.toBe('Allowed');
      expect(await list(fn, 'b/_slots/'), name).not.toBe('Allowed');
      if (name !== 'Restore drill') {
        expect(await list(fn, 'a/orders/'), `${name} lists beyond the slots`).not.toBe('Allowed');
      }
    }
  });

  // A read of a missing key is answered NoSuchKey only when the listing with the key as s3:prefix is
  // allowed: each role's reads of keys that may not exist yet keep their NoSuchKey, under a/ and
  // c/finance/ alike; the same keys under b/ get neither the read nor the 404.
  it('keeps NoSuchKey (not AccessDenied) for each missing key a role reads, and only under the prefixes', async () => {
    const {
      'Start export': startExport,
      'Write manifest': writeManifest,
      'Record restore drill': recordRestoreDrill,
      'Restore drill': restoreDrill,
      Restore: restore,
      Doctor: doctor,
      'Check backup age': backupAge,
      'Start window': startWindow,
    } = listers();
    const folder = (prefix: string, id: string) => `${prefix}${id}/2026-12-07/ORDS_EXPORT_1`;
    const reads: Array<[string, IFunction, (prefix: string, id: string) => string]> = [
      ['Start export', startExport, (p, id) => `${p}${id}/consistency-probe.json`],
      ['Start export', startExport, (p, id) => `${p}${id}/last-restore-drill.json`],
      ['Start export', startExport, (p, id) => `${p}${id}/last-backup.json`],
      ['Start export', startExport, (p, id) => `${p}_locks/${id}.json`],
      ['Start export', startExport, (p, id) => `${p}_locks/${id}.unfinished.json`],
      ['Write manifest', writeManifest, (p, id) => `${p}${id}/last-backup.json`],
      ['Record restore drill', recordRestoreDrill, (p, id) => `${p}${id}/last-restore-drill.json`],
      ['Record restore drill', recordRestoreDrill, (p, id) => `${folder(p, id)}/restore-drill.json`],
      ['Restore drill', restoreDrill, (p, id) => `${folder(p, id)}/restore-drill-intent.json`],
      ['Restore', restore, (p, id) => `${folder(p, id)}/restores/r1-report.json`],
      ['Doctor', doctor, (p, id) => `${p}${id}/last-backup.json`],
      ['Doctor', doctor, (p, id) => `${p}${id}/consistency-probe.json`],
      ['Check backup age', backupAge, (p, id) => `${p}${id}/last-backup.json`],
      ['Check backup age', backupAge, (p, id) => `${p}${id}/last-restore-drill.json`],
      ['Start window', startWindow, (p, id) => `${p}${id}/last-backup.json`],
    ];
    for (const [name, fn, keyOf] of reads) {
      for (const key of [keyOf('a/', 'orders'), keyOf('c/finance/', 'billing')]) {
        expect(await get(fn, key), `${name} reads ${key}`).toBe('Allowed');
        expect(await list(fn, key), `${name}: NoSuchKey for a missing ${key}`).toBe('Allowed');
      }
      const foreign = keyOf('b/', 'orders');
      expect(await get(fn, foreign), `${name} reads ${foreign}`).not.toBe('Allowed');
      expect(await list(fn, foreign), `${name}: NoSuchKey for ${foreign}`).not.toBe('Allowed');
    }
  });
});

describe('s3:ListBucket with the empty prefix', () => {
  it('lists the whole bucket, which is then the deployment’s, as documented', async () => {
    const synthesized = synthesize(
      configOf({
        databases: [
          { id: 'orders', ordsUrl: 'https://orders.example.com/ords/hr/', secret: 'prod/ords/orders' },
        ],
      }),
    );
    try {
      const resolve = resolver(logicalIdOf(synthesized.built.backup.bucket), BUCKET_ARN);
      const all = listingStatements(synthesized, resolve);
      // The ORDS slot checks list only `_slots/`, narrower than the whole bucket.
      const listings = all.filter(
        ({ statement }) => !JSON.stringify(statement.Condition ?? {}).includes('_slots/*'),
      );
      expect(all.length - listings.length).toBe(5);
      expect(listings.length).toBeGreaterThanOrEqual(7);
      for (const { owner, statement } of listings) expect(statement.Condition, owner).toBeUndefined();
      const { json } = synthesized;
      const role = roleOfFunction(json, logicalIdOf(synthesized.built.backup.functions.writeManifest));
      expect(await simulateRole(json, resolve, role, { action: 's3:ListBucket', resource: BUCKET_ARN })).toBe(
        'Allowed',
      );
    } finally {
      synthesized.cleanup();
    }
  });
});
