import type { JobStore } from './job-store.js';
import type { SimulatorOptions } from './simulator-options.js';
import type { ForeignImport } from './switch-types.js';

/**
 * The `foreignImport` switch: someone else's import into a schema (a DBA, another tool), started
 * once per switch value, before the first REST-enabled SQL statement that names the schema or before
 * the next import POST. Tests use it to check that a drill never adopts, nor drops, what it did not create.
 */
export class ForeignImports {
  private fired: ForeignImport | undefined;

  constructor(
    private readonly options: () => SimulatorOptions,
    private readonly store: JobStore,
  ) {}

  /** Called before a REST-enabled SQL script runs. */
  beforeSql(script: string): void {
    const pending = this.pending('before-intent');
    if (pending && new RegExp(`username\\s*=\\s*'${pending.into}'`, 'i').test(script)) this.start(pending);
  }

  /** Called before a POST creates a job (`operation` null: the `jobs/` route, which names it in the body). */
  beforePost(operation: 'EXPORT' | 'IMPORT' | null): void {
    const pending = this.pending('after-intent');
    if (pending && operation !== 'EXPORT') this.start(pending);
  }

  private pending(when: ForeignImport['when']): ForeignImport | undefined {
    const foreign = this.options().foreignImport;
    return foreign && foreign.when === when && foreign !== this.fired ? foreign : undefined;
  }

  private start(foreign: ForeignImport): void {
    this.fired = foreign;
    const dump = this.store.views().findLast((job) => job.operation === 'EXPORT');
    if (!dump) throw new Error('foreignImport: no export has written a dump to import yet');
    const created = this.store.create(
      'IMPORT',
      foreign.owner,
      {
        job_mode: 'SCHEMA',
        datapump_dir: dump.directory,
        file_name: dump.fileNameTemplate,
        schema_expressions: [{ expression: "IN ('HR')" }],
        remap_schemas: [{ source: 'HR', target: foreign.into }],
        keep_master: 1,
      },
      () => 'success',
    );
    if (!created.ok) throw new Error(`foreignImport: the import was refused: ${created.message}`);
  }
}
