import { readFileSync } from 'node:fs';
import { type BindingPins, BindingPinsSchema } from '../core/run/index.js';
import { describeIssues } from '../core/state/index.js';

/**
 * Where the deployment's pins are in the Lambda sandbox: the pins layer (see
 * `infra/constructs/binding-pins-layer.ts`) is extracted under /opt. Its versions are immutable
 * and the function's layers change only with `lambda:UpdateFunctionConfiguration`, a deploy right.
 */
export const BINDING_PINS_FILE = '/opt/ords-datapump-backup/binding-pins.json';

let pins: BindingPins | undefined;

/**
 * The deployment's pins (ORDS URL, secret, prefix per database), read once per container. A
 * function without them fails: it never falls back to trusting the parameter alone.
 */
export function bindingPins(): BindingPins {
  if (pins) return pins;
  let text: string;
  try {
    text = readFileSync(BINDING_PINS_FILE, 'utf8');
  } catch (error) {
    throw new Error(
      `The binding pins ${BINDING_PINS_FILE} cannot be read: the function was deployed without its ` +
        'pins layer. Redeploy the stack',
      { cause: error },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`The binding pins ${BINDING_PINS_FILE} are not JSON: redeploy the stack`, {
      cause: error,
    });
  }
  const parsed = BindingPinsSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(`The binding pins ${BINDING_PINS_FILE} are invalid: ${describeIssues(parsed.error)}`);
  }
  pins = parsed.data;
  return pins;
}

/**
 * Adds pins as a deployment would ship them, for the local runner and the tests, which run the
 * handlers outside a Lambda sandbox. Each entry replaces the database's earlier pin.
 */
export function addBindingPins(added: BindingPins): void {
  pins = { ...pins, ...BindingPinsSchema.parse(added) };
}

/** Forgets the pins (tests). */
export function resetBindingPins(): void {
  pins = undefined;
}
