import { z } from 'zod';
import { BindingMismatchError } from '../base/index.js';
import { DATABASE_ID } from '../state/index.js';

/**
 * What decides where a database's credentials go and where its files are stored, as the deployment
 * fixed it at synth time: its ORDS URL, its secret and its key prefix. The binding parameter in SSM
 * can be edited by anyone with `ssm:PutParameter`; the pins ship with the functions themselves
 * (a Lambda layer version, immutable), so only who can deploy code can change them.
 */
export const BindingPinSchema = z.strictObject({
  ordsUrl: z.string().min(1),
  /**
   * The secret's id as the binding holds it. Absent when its ARN was unknown at synth (a secret
   * created in the same app): that secret is then guarded by its per-database grant alone.
   */
  secretId: z.string().min(1).optional(),
  prefix: z.string(),
  /** The slot caps the deployment gave the database (absent in pins of earlier versions). */
  slots: z
    .strictObject({
      origin: z.string(),
      originCap: z.number(),
      deploymentCap: z.number().optional(),
    })
    .optional(),
});
export type BindingPin = z.output<typeof BindingPinSchema>;

/** The pins of every database of a deployment, by database id. */
export const BindingPinsSchema = z.record(z.string().regex(DATABASE_ID), BindingPinSchema);
export type BindingPins = z.output<typeof BindingPinsSchema>;

/** The fields of a binding that are pinned. */
export interface PinnedFields {
  readonly database: string;
  readonly ordsUrl: string;
  readonly secretId: string;
  readonly prefix: string;
  readonly slots?: { readonly origin: string; readonly originCap: number; readonly deploymentCap?: number };
}

/** The pin of a binding; `secretKnown: false` leaves the secret out (a token ARN at synth). */
export function pinOf(binding: Omit<PinnedFields, 'database'>, secretKnown = true): BindingPin {
  return {
    ordsUrl: binding.ordsUrl,
    ...(secretKnown ? { secretId: binding.secretId } : {}),
    prefix: binding.prefix,
    ...(binding.slots ? { slots: binding.slots } : {}),
  };
}

/**
 * Checks a binding read from `parameterName` against the deployment's pins, before anything uses
 * it: a database without a pin, or a binding whose ORDS URL, secret or prefix differ from its pin,
 * fails with `BindingMismatchError` naming each difference. No request has been sent by then.
 */
export function assertPinned(binding: PinnedFields, parameterName: string, pins: BindingPins): void {
  const pin = Object.hasOwn(pins, binding.database) ? pins[binding.database] : undefined;
  if (!pin) {
    throw new BindingMismatchError(
      `Database "${binding.database}" has a binding (parameter ${parameterName}) but the deployed ` +
        'functions pin none for it: the parameter was written out of band. Refusing to use it; ' +
        'add the database to the configuration and deploy',
    );
  }
  const differences: string[] = [];
  if (binding.ordsUrl !== pin.ordsUrl) {
    differences.push(`ORDS URL "${binding.ordsUrl}" instead of "${pin.ordsUrl}"`);
  }
  if (pin.secretId !== undefined && binding.secretId !== pin.secretId) {
    differences.push(`secret "${binding.secretId}" instead of "${pin.secretId}"`);
  }
  if (binding.prefix !== pin.prefix) {
    differences.push(`prefix "${binding.prefix}" instead of "${pin.prefix}"`);
  }
  if (pin.slots !== undefined && slotsText(binding.slots) !== slotsText(pin.slots)) {
    differences.push(`ORDS slots ${slotsText(binding.slots)} instead of ${slotsText(pin.slots)}`);
  }
  if (differences.length === 0) return;
  throw new BindingMismatchError(
    `The binding of database "${binding.database}" (parameter ${parameterName}) was changed out of band: ` +
      `${differences.join(', ')} as deployed. Refusing to use it, no request sent; redeploy the stack ` +
      'to restore the parameter, or change the configuration and deploy',
  );
}

/** Slot caps as one comparable text: `origin cap N[, deployment cap M]`. */
function slotsText(slots: PinnedFields['slots']): string {
  if (!slots) return '(none)';
  const deployment = slots.deploymentCap === undefined ? '' : `, deployment cap ${slots.deploymentCap}`;
  return `"${slots.origin}" cap ${slots.originCap}${deployment}`;
}
