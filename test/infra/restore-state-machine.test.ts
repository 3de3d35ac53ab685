import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { definitionFromTemplates } from '../../local/definition.js';
import { nagViolationsOf } from './nag.js';
import {
  actionsOf,
  configOf,
  logicalIdOf,
  resourcesOf,
  roleOfFunction,
  type Synthesized,
  statementsOfRole,
  synthesize,
} from './synth.js';

describe('the restore state machine beside the backup state machine', () => {
  let synthesized: Synthesized;
  beforeAll(() => {
    synthesized = synthesize(
      configOf({
        defaults: { prefix: 'oracle/' },
        databases: [
          {
            id: 'orders',
            ordsUrl: 'https://db.example.com:8443/ords/pdb1/dbapi_user/',
            secret: 'prod/ords/orders',
            export: { jobMode: 'SCHEMA', schemas: ['HR'] },
          },
        ],
      }),
    );
  });
  afterAll(() => synthesized.cleanup());

  it("gives every step after the take the restore's slots, which it holds again before it calls ORDS (a redrive)", () => {
    const { definition } = definitionFromTemplates([synthesized.json] as never, 'restore');
    const states = definition.States as Record<string, { Parameters?: Record<string, unknown> }>;
    for (const name of [
      'Check backup in S3',
      'Put files on the server',
      'Start import',
      'Read import job',
      'Finish restore',
    ]) {
      expect(states[name]!.Parameters!['slots.$'], name).toBe('$.slots');
    }
  });

  it('takes lock and slot first and ends every path through "Release run lock"', () => {
    const { definition } = definitionFromTemplates([synthesized.json] as never, 'restore');
    const states = definition.States as Record<string, Record<string, unknown>>;

    expect(definition.StartAt).toBe('Restore');
    expect(states.Restore!.Next).toBe('Take run lock and ORDS slot');
    // Every Task but the release itself is caught into "Release run lock", which every success passes too.
    const tasks = Object.entries(states).filter(([, state]) => state.Type === 'Task');
    expect(tasks.map(([name]) => name).sort()).toEqual([
      'Check backup in S3',
      'Finish restore',
      'Put files on the server',
      'Read import job',
      'Release run lock',
      'Start import',
      'Take run lock and ORDS slot',
    ]);
    for (const [name, state] of tasks) {
      if (name === 'Release run lock') continue;
      const catches = state.Catch as Array<{ Next: string; ErrorEquals: string[] }>;
      expect(catches, name).toEqual([
        expect.objectContaining({
          ErrorEquals: ['States.ALL'],
          Next: 'Release run lock',
          ResultPath: '$.error',
        }),
      ]);
    }
    expect(states['Finish restore']!.Next).toBe('Release run lock');
    expect(states['Release run lock']!.Next).toBe('Restore ended how?');
  });

  it('lets the restore function write only restore records, run locks and ORDS slots, under the prefix', () => {
    const { json, built } = synthesized;
    const role = roleOfFunction(json, logicalIdOf(built.backup.functions.restore));
    const s3Statements = statementsOfRole(json, role).filter((s) =>
      actionsOf(s).some((a) => a.startsWith('s3:')),
    );
    const keysFor = (action: string) =>
      s3Statements
        .filter((s) => actionsOf(s).includes(action))
        .flatMap(resourcesOf)
        .map((r) => JSON.stringify(r));
    const written = [...keysFor('s3:PutObject'), ...keysFor('s3:DeleteObject')];

    expect(written.length).toBeGreaterThan(0);
    for (const key of written) {
      expect(key).toMatch(/"\/oracle\/(\*\/restores\/\*|\*_locks\/\*\.json|_slots\/\*)"/);
    }
    expect(keysFor('s3:GetObjectVersion').join()).toContain('"/oracle/*"');
    expect(keysFor('s3:GetObject').join()).not.toMatch(/"\/\*"/);
  });

  it('has no cdk-nag finding', () => {
    expect(nagViolationsOf(synthesized.app)).toEqual([]);
  });
});
