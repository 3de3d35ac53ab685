import { describe, expect, it } from 'vitest';
import { ErrorName } from '../../../../functions/core/base/errors.js';
import {
  assertPinned,
  type BindingPins,
  DatabaseBindingSchema,
  parseBinding,
  pinOf,
  slotCapsOf,
} from '../../../../functions/core/run/index.js';
import { slotCapsFor } from '../../../../infra/database-binding.js';
import { testBinding } from '../../../helpers/bindings.js';

const PARAMETER = '/test/databases/orders';
const SLOTS = { origin: 'https://db.example.com', originCap: 2, deploymentCap: 10 };

describe('the slot caps a binding carries', () => {
  it("are the origin's cap from ordsCaps, else 4, and the deployment's cap when set", () => {
    const url = 'https://DB.example.com:443/ords/pdb1/dbapi_user/';
    expect(slotCapsFor(url, { 'https://db.example.com': 2 }, 10)).toEqual(SLOTS);
    expect(slotCapsFor(url, { 'https://other.example.com': 2 }, undefined)).toEqual({
      origin: 'https://db.example.com',
      originCap: 4,
    });
  });

  it('read from a binding written before slots existed as its origin with 4 slots', () => {
    const binding = DatabaseBindingSchema.parse(testBinding());
    expect(slotCapsOf(binding)).toEqual({ origin: 'https://db.example.com', originCap: 4 });
  });

  it('are refused when they name another origin than the ORDS URL (an edited parameter)', () => {
    const json = JSON.stringify(testBinding({ slots: { ...SLOTS, origin: 'https://other.example.com' } }));
    expect(() => parseBinding('orders', PARAMETER, json)).toThrow(/"https:\/\/other.example.com"/);
  });

  it('are refused when a cap is out of range, naming the field', () => {
    const json = JSON.stringify(testBinding({ slots: { ...SLOTS, originCap: 0 } }));
    expect(() => parseBinding('orders', PARAMETER, json)).toThrow(/slots\.originCap/);
  });

  it('are pinned: a binding whose caps were raised out of band is refused, naming both', () => {
    const pins: BindingPins = { orders: pinOf(testBinding({ slots: SLOTS })) };
    const raised = testBinding({ slots: { ...SLOTS, originCap: 50 } });

    expect(() => assertPinned(testBinding({ slots: SLOTS }), PARAMETER, pins)).not.toThrow();
    const error = (() => {
      try {
        assertPinned(raised, PARAMETER, pins);
      } catch (e) {
        return e as Error;
      }
      throw new Error('accepted');
    })();
    expect(error.name).toBe(ErrorName.BindingMismatch);
    expect(error.message).toContain('cap 50');
    expect(error.message).toContain('cap 2, deployment cap 10');
  });

  it('of a pin from before slots existed are not checked', () => {
    const pins: BindingPins = { orders: pinOf(testBinding()) };
    expect(() => assertPinned(testBinding({ slots: SLOTS }), PARAMETER, pins)).not.toThrow();
  });
});
