/** Reads of the databases' SSM bindings: changes when the bindings move or another function reads them. */
import { Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { acknowledgeWildcardResource } from './nag-findings.js';

/**
 * Lets each of `readers` read the SSM bindings under `bindingParameterPath` (`<path>/<database>`),
 * and the doctor list them, to name the deployed databases when asked for one that is not among them.
 */
export function grantBindingReads(
  bindingParameterPath: string,
  readers: readonly IFunction[],
  doctor: IFunction,
): void {
  const stack = Stack.of(doctor);
  const bindings = stack.formatArn({
    service: 'ssm',
    resource: 'parameter',
    resourceName: `${bindingParameterPath.replace(/^\//, '')}/*`,
  });
  for (const fn of readers) {
    fn.addToRolePolicy(new PolicyStatement({ actions: ['ssm:GetParameter'], resources: [bindings] }));
    acknowledgeWildcardResource(
      fn.role!,
      bindings,
      'Reads the binding of whichever database its run backs up.',
    );
  }

  const bindingPath = stack.formatArn({
    service: 'ssm',
    resource: 'parameter',
    resourceName: bindingParameterPath.replace(/^\//, ''),
  });
  doctor.addToRolePolicy(
    new PolicyStatement({ actions: ['ssm:GetParametersByPath'], resources: [bindingPath] }),
  );
}
