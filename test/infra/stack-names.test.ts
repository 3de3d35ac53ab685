import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configOf, physicalNames, type Synthesized, synthesize } from './synth.js';

const database = {
  id: 'orders',
  ordsUrl: 'https://db.example.com/ords/pdb1/dbapi_user/',
  secret: 'prod/ords/orders',
};

/** The physical names set in all of a synthesized app's templates. */
const namesOf = (synthesized: Synthesized) => physicalNames([...synthesized.jsons.values()]);

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
    const first = new Set([...plain.jsons.keys(), ...namesOf(plain)]);
    const second = [...nonprod.jsons.keys(), ...namesOf(nonprod)];

    expect(namesOf(nonprod).length).toBeGreaterThan(5);
    expect(second.filter((name) => first.has(name))).toEqual([]);
  });
});
