import { ParameterTier, StringParameter } from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import {
  bindingParameterName,
  type DatabaseBindingInput,
  isBindingPath,
} from '../../functions/core/run/index.js';

/** SSM's largest value for a standard parameter, and for an advanced one (characters). */
const STANDARD_MAX_CHARS = 4096;
const ADVANCED_MAX_CHARS = 8192;

/** Properties of `DatabaseBindings`. */
export interface DatabaseBindingsProps {
  /** Where the parameters go: one `<parameterPath>/<database>` each. */
  readonly parameterPath: string;
  /** The bindings, one per enabled database. */
  readonly bindings: readonly DatabaseBindingInput[];
}

/**
 * One SSM String parameter per database holding its binding (ORDS URL, secret, key prefix, run
 * settings) as JSON. The functions read a database's binding from here and never from the
 * execution input, so who may start an execution can choose a database but not redirect it.
 * A binding over 4 KiB (long schema lists) uses the advanced tier.
 */
export class DatabaseBindings extends Construct {
  /** The parameters, by database id. */
  readonly parameters: ReadonlyMap<string, StringParameter>;

  constructor(scope: Construct, id: string, props: DatabaseBindingsProps) {
    super(scope, id);
    if (!isBindingPath(props.parameterPath)) {
      throw new Error(
        `${this.node.path}: parameterPath must look like /ords-datapump-backup/databases ` +
          `(slash-separated letters, digits, _ . -), got "${props.parameterPath}"`,
      );
    }
    const parameters = new Map<string, StringParameter>();
    for (const binding of props.bindings) {
      const value = JSON.stringify(binding);
      if (value.length > ADVANCED_MAX_CHARS) {
        throw new Error(
          `${this.node.path}: the binding of database "${binding.database}" has ${value.length} characters, ` +
            `more than SSM's ${ADVANCED_MAX_CHARS}: shorten its export spec (fewer schemas or expressions)`,
        );
      }
      parameters.set(
        binding.database,
        new StringParameter(this, binding.database, {
          parameterName: bindingParameterName(props.parameterPath, binding.database),
          description: `ords-datapump-backup: where database "${binding.database}" is backed up from and to`,
          stringValue: value,
          tier: value.length > STANDARD_MAX_CHARS ? ParameterTier.ADVANCED : ParameterTier.STANDARD,
        }),
      );
    }
    this.parameters = parameters;
  }
}
