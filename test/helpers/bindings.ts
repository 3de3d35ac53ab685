import type { DatabaseBindingInput } from '../../functions/core/run/binding.js';
import { pinOf } from '../../functions/core/run/binding-pin.js';
import { addBindingPins } from '../../functions/shared/binding-pins.js';

/** The parameter path the handler tests set as DATABASE_PARAMETER_PATH. */
export const TEST_BINDING_PATH = '/test/databases';

/** A database's binding as a deployment writes it, with the given changes. */
export function testBinding(overrides: Partial<DatabaseBindingInput> = {}): DatabaseBindingInput {
  return {
    database: 'orders',
    ordsUrl: 'https://db.example.com/ords/pdb1/dbapi_user/',
    secretId: 'prod/ords/orders',
    prefix: '',
    export: { jobMode: 'SCHEMA', schemas: ['HR'] },
    pollSeconds: 60,
    timeoutSeconds: 43_200,
    acceptCompletedWithErrors: false,
    onRunningExport: 'fail',
    ...overrides,
  };
}

/**
 * A binding as the deployment writes it into its parameter (JSON), with the pin the deployed
 * functions ship for it, so that `bindingFor` accepts it.
 */
export function pinnedJson(binding: DatabaseBindingInput): string {
  addBindingPins({ [binding.database]: pinOf(binding) });
  return JSON.stringify(binding);
}
