import { type DoctorReport, runDoctor } from '../../functions/core/doctor/index.js';
import { connectOrds } from '../../functions/core/ords/index.js';
import { DatabaseBindingSchema } from '../../functions/core/run/index.js';
import { startOrdsSimulator } from '../../simulator/index.js';
import { SIMULATOR_SECRET } from '../local-run.js';
import { UsageError } from './state-machine.js';

/**
 * `npm run doctor -- <database> --local`: the doctor's checks from this machine, without AWS: against
 * the embedded ORDS simulator, or against `--ords-url` with the credentials of `--secret-file`. The
 * binding and the secret are the ones given here, so only the ORDS checks say something new.
 */

/** What a local doctor run checks. */
export interface LocalDoctorOptions {
  readonly database: string;
  /** The ORDS URL. @default - the embedded simulator */
  readonly ordsUrl?: string;
  /** The secret's JSON, and where it came from (named in messages). @default - the simulator's user */
  readonly secret?: { readonly text: string; readonly source: string };
  /** The Data Pump directory to check. @default 'DATA_PUMP_DIR' */
  readonly directory?: string;
}

/** Runs every check of the doctor in this process and returns the report. */
export async function runLocalDoctor(options: LocalDoctorOptions): Promise<DoctorReport> {
  const simulator = options.ordsUrl ? undefined : await startOrdsSimulator();
  try {
    const secretId = options.secret?.source ?? 'the simulator user';
    const parsed = DatabaseBindingSchema.safeParse({
      database: options.database,
      ordsUrl: options.ordsUrl ?? simulator?.url,
      secretId,
      prefix: '',
      export: { datapumpDir: options.directory ?? 'DATA_PUMP_DIR' },
      pollSeconds: 30,
      timeoutSeconds: 3600,
      acceptCompletedWithErrors: false,
      onRunningExport: 'fail',
    });
    if (!parsed.success) {
      throw new UsageError(`--ords-url or --directory is not usable: ${parsed.error.issues[0]?.message}`);
    }
    const binding = parsed.data;
    const silent = { debug() {}, info() {}, warn() {}, error() {} };
    return await runDoctor(
      {
        binding: async () => binding,
        knownDatabases: async () => [options.database],
        bindingPath: '(local)',
        secretString: async () => options.secret?.text ?? SIMULATOR_SECRET,
        connect: (bound, secret) => connectOrds({ baseUrl: bound.ordsUrl, secret, secretId: bound.secretId }),
        logger: silent,
      },
      options.database,
    );
  } finally {
    await simulator?.stop();
  }
}
