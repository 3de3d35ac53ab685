import { GetParameterCommand } from '@aws-sdk/client-ssm';
import {
  AwsUnavailableError,
  describeAwsError,
  isTransientAwsError,
  UnknownDatabaseError,
} from '../core/base/index.js';
import { assertPinned, bindingParameterName, type DatabaseBinding, parseBinding } from '../core/run/index.js';
import { bindingPins } from './binding-pins.js';
import { ssmClient } from './clients.js';
import { requiredEnv } from './env.js';

/**
 * Bindings are cached briefly per container: every poll needs one, and a redeployed binding must
 * still be picked up within minutes.
 */
const BINDING_TTL_MS = 5 * 60 * 1000;

const cache = new Map<string, { readonly binding: DatabaseBinding; readonly expiresAt: number }>();

/**
 * The deploy-time binding of a database (ORDS URL, secret, prefix, settings), read from its SSM
 * parameter under `DATABASE_PARAMETER_PATH`. A database without one is not part of this deployment.
 * Its ORDS URL, secret and prefix must match the pins the functions were deployed with: a
 * parameter edited out of band fails here, before any request uses it.
 */
export async function bindingFor(database: string): Promise<DatabaseBinding> {
  const cached = cache.get(database);
  if (cached && cached.expiresAt > Date.now()) return cached.binding;
  const name = bindingParameterName(requiredEnv('DATABASE_PARAMETER_PATH'), database);
  let value: string | undefined;
  try {
    const { Parameter } = await ssmClient().send(new GetParameterCommand({ Name: name }));
    value = Parameter?.Value;
  } catch (error) {
    if ((error as { name?: string }).name === 'ParameterNotFound') {
      throw new UnknownDatabaseError(
        `Database "${database}" is not configured in this deployment (no parameter ${name}): ` +
          'check the database id, or add the database to the configuration and deploy',
        { cause: error },
      );
    }
    if (isTransientAwsError(error)) {
      throw new AwsUnavailableError(
        `The binding of database "${database}" could not be read: ${describeAwsError(error)}`,
        {
          cause: error,
        },
      );
    }
    throw new UnknownDatabaseError(
      `The binding of database "${database}" (parameter ${name}) could not be read: ${describeAwsError(error)}`,
      { cause: error },
    );
  }
  const binding = parseBinding(database, name, value);
  assertPinned(binding, name, bindingPins());
  cache.set(database, { binding, expiresAt: Date.now() + BINDING_TTL_MS });
  return binding;
}

/** Forgets cached bindings (the local runner starts each run as a fresh container). */
export function resetBindingCache(): void {
  cache.clear();
}
