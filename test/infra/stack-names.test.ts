import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configOf, type Synthesized, synthesize } from './synth.js';

const database = {
  id: 'orders',
  ordsUrl: 'https://db.example.com/ords/pdb1/dbapi_user/',
  secret: 'prod/ords/orders',
};

/** The physical names a template sets, by resource type and name property. */
function physicalNames(synthesized: Synthesized): string[] {
  const names: string[] = [];
  for (const json of synthesized.jsons.values()) {
    for (const resource of Object.values(json.Resources)) {
      for (const key of [
        'StateMachineName',
        'Name',
        'AlarmName',
        'DashboardName',
        'FunctionName',
        'LogGroupName',
      ]) {
        const value = resource.Properties?.[key];
        if (typeof value === 'string') names.push(`${resource.Type}:${value}`);
      }
    }
  }
  return names;
}

describe('stack names of the JSON app', () => {
  let plain: Synthesized;
  let nonprod: Synthesized;
  beforeAll(() => {
    plain = synthesize(configOf({ databases: [database] }));
    nonprod = synthesize(configOf({ namePrefix: 'nonprod-backup', databases: [database] }));
  });
  afterAll(() => {
    plain.cleanup();
    nonprod.cleanup();
  });

  it('keeps the stack names of earlier deployments without namePrefix', () => {
    expect([...plain.jsons.keys()]).toEqual(['OrdsDatapumpBackup', 'OrdsDatapumpBackup-Databases-1']);
  });

  it('names the stacks from namePrefix, so a second file deploys beside the first', () => {
    expect([...nonprod.jsons.keys()]).toEqual(['nonprod-backup', 'nonprod-backup-databases-1']);
  });

  it('shares no stack name and no physical name between the two deployments', () => {
    const first = new Set([...plain.jsons.keys(), ...physicalNames(plain)]);
    const second = [...nonprod.jsons.keys(), ...physicalNames(nonprod)];

    expect(physicalNames(nonprod).length).toBeGreaterThan(5);
    expect(second.filter((name) => first.has(name))).toEqual([]);
  });
});
