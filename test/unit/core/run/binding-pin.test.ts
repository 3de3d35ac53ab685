import { describe, expect, it } from 'vitest';
import { ErrorName } from '../../../../functions/core/base/errors.js';
import { assertPinned, type BindingPins, pinOf } from '../../../../functions/core/run/index.js';
import { testBinding } from '../../../helpers/bindings.js';

const PARAMETER = '/test/databases/orders';
const deployed = testBinding({ prefix: 'backups/' });
const pins: BindingPins = { orders: pinOf(deployed) };

function refusal(changed: Parameters<typeof testBinding>[0]): Error {
  try {
    assertPinned(testBinding({ prefix: 'backups/', ...changed }), PARAMETER, pins);
  } catch (error) {
    return error as Error;
  }
  throw new Error('assertPinned accepted a changed binding');
}

describe('checking a binding against the deployment pins', () => {
  it('accepts the binding as deployed', () => {
    expect(() => assertPinned(deployed, PARAMETER, pins)).not.toThrow();
  });

  it('fails naming the parameter and both URLs when the ORDS URL was edited', () => {
    const error = refusal({ ordsUrl: 'https://attacker.example.net/ords/pdb1/dbapi_user/' });

    expect(error.name).toBe(ErrorName.BindingMismatch);
    expect(error.message).toContain(PARAMETER);
    expect(error.message).toContain('"https://attacker.example.net/ords/pdb1/dbapi_user/"');
    expect(error.message).toContain('"https://db.example.com/ords/pdb1/dbapi_user/"');
  });

  it('fails when only the path of the ORDS URL was edited (same host, other schema)', () => {
    expect(refusal({ ordsUrl: 'https://db.example.com/ords/pdb1/other_user/' }).name).toBe(
      ErrorName.BindingMismatch,
    );
  });

  it("fails when the secret was switched to another database's secret", () => {
    expect(refusal({ secretId: 'prod/ords/billing' }).message).toContain(
      'secret "prod/ords/billing" instead of "prod/ords/orders"',
    );
  });

  it('fails when the prefix was edited', () => {
    expect(refusal({ prefix: '' }).message).toContain('prefix "" instead of "backups/"');
  });

  it('fails for a database the deployment pins nothing for (a parameter created out of band)', () => {
    const error = (() => {
      try {
        assertPinned(testBinding({ database: 'payroll' }), '/test/databases/payroll', pins);
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();

    expect(error?.name).toBe(ErrorName.BindingMismatch);
    expect(error?.message).toContain('"payroll"');
  });

  it('fails for a database id that is a property of every object ("constructor")', () => {
    expect(() =>
      assertPinned(testBinding({ database: 'constructor' }), '/test/databases/constructor', pins),
    ).toThrow(/pin none/);
  });

  it('accepts any secret when the pin has none (a secret whose ARN was a token at synth)', () => {
    const unpinned: BindingPins = { orders: pinOf(deployed, false) };

    expect(() =>
      assertPinned(
        testBinding({ prefix: 'backups/', secretId: 'arn:aws:secretsmanager:x' }),
        PARAMETER,
        unpinned,
      ),
    ).not.toThrow();
    expect(() =>
      assertPinned(
        testBinding({ prefix: 'backups/', ordsUrl: 'https://attacker.example.net/' }),
        PARAMETER,
        unpinned,
      ),
    ).toThrow(/ORDS URL/);
  });
});
