/**
 * How a secret is referenced: by name, by partial ARN (without Secrets Manager's 6-character
 * suffix), or by an ARN that ends in `-` and 6 letters or digits. That last form is ambiguous: it is
 * either a complete ARN (`…:secret:prod/ords/orders-AbC123`) or a partial ARN of a secret whose name
 * happens to end that way (`…:secret:prod/ords/orders-reader`); the ARN alone cannot tell.
 */
export type SecretReference =
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'partial-arn'; readonly arn: string }
  | { readonly kind: 'suffixed-arn'; readonly arn: string };

const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const SECRET_ARN =
  /^arn:aws[a-z-]*:secretsmanager:[a-z]{2}(-[a-z]+)+-\d:\d{12}:secret:([A-Za-z0-9/_+=.@-]{1,512})$/;
const SECRET_FORMAT =
  'a secret name (letters, digits and /_+=.@-, up to 512) or a secret ARN ' +
  '(arn:aws:secretsmanager:<region>:<account>:secret:<name>)';

/**
 * Classifies a secret reference. An ARN whose name ends in `-` and 6 letters or digits is
 * `suffixed-arn` (complete, or partial for a name ending that way: both forms must be granted);
 * any other ARN is partial. Throws on anything else.
 */
export function parseSecretReference(value: string): SecretReference {
  const arn = SECRET_ARN.exec(value);
  if (arn) {
    return /-[A-Za-z0-9]{6}$/.test(arn[2]!)
      ? { kind: 'suffixed-arn', arn: value }
      : { kind: 'partial-arn', arn: value };
  }
  if (value.startsWith('arn:'))
    throw new Error(`it is not a Secrets Manager secret ARN; allowed: ${SECRET_FORMAT}`);
  if (!SECRET_NAME.test(value)) throw new Error(`allowed: ${SECRET_FORMAT}`);
  return { kind: 'name', name: value };
}
