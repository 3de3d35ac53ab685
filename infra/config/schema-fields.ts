import { z } from 'zod';
import { IPV4_CIDR } from '../ipv4-cidr.js';

/** The field builders the configuration's zod schemas share, with messages that list what is allowed. */

/** The `error` of a field: what is allowed. */
export const allowed = (text: string) => ({ error: `allowed: ${text}` });

/** A whole number from `min` to `max` of `unit`. */
export function wholeNumber(min: number, max: number, unit: string) {
  const error = allowed(`whole ${unit} from ${min} to ${max}`);
  return z.number(error).int(error).min(min, error).max(max, error);
}

/** A string checked by a function returning a sentence (the problem) or null. */
export function checkedString(problem: (value: string) => string | null) {
  return z.string().superRefine((value, ctx) => {
    const found = problem(value);
    if (found) ctx.addIssue({ code: 'custom', message: found });
  });
}

/** A list of IPv4 CIDR blocks. */
export const ordsCidrs = () =>
  z.array(
    z.string(allowed('a string')).regex(IPV4_CIDR, allowed('an IPv4 CIDR block such as 10.20.0.0/16')),
    allowed('a list of IPv4 CIDR blocks'),
  );
