import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { DoctorInputSchema, runDoctor } from '../core/doctor/index.js';
import { connectOrds } from '../core/ords/index.js';
import { bindingFor, resetBindingCache } from '../shared/bindings.js';
import { boundDatabases } from '../shared/bound-databases.js';
import { secretsManagerClient } from '../shared/clients.js';
import { requiredEnv } from '../shared/env.js';
import { defineTask } from '../shared/handler.js';
import { logger } from '../shared/logger.js';

/**
 * The doctor, invoked on demand (`npm run doctor -- <database>`): checks a database's binding, secret,
 * ORDS, credentials, job list and directory from inside the deployment, and returns the report.
 */
export const handler = defineTask('Doctor', DoctorInputSchema, async ({ database }) => {
  // A doctor runs after a change: it must see the binding as deployed now, not as cached.
  resetBindingCache();
  const bindingPath = requiredEnv('DATABASE_PARAMETER_PATH');
  return runDoctor(
    {
      binding: bindingFor,
      knownDatabases: () => boundDatabases(bindingPath),
      bindingPath,
      secretString: async (secretId) =>
        (await secretsManagerClient().send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString,
      connect: (binding, secret) =>
        connectOrds({ baseUrl: binding.ordsUrl, secret, secretId: binding.secretId, logger }),
      logger,
    },
    database,
  );
});
