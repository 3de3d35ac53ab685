import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { definitionFromTemplates } from '../../local/definition.js';
import { exampleConfig, type Synthesized, synthesize } from './synth.js';

/** asl-validator's result (the package ships no types). */
interface AslValidation {
  readonly isValid: boolean;
  readonly errorsText: (separator?: string) => string;
}
const validateAsl = createRequire(import.meta.url)('asl-validator') as (
  definition: unknown,
  options?: { readonly checkPaths?: boolean; readonly checkArn?: boolean },
) => AslValidation;

describe('the synthesized state machine definition (Amazon States Language)', () => {
  let synthesized: Synthesized;
  let definition: Record<string, unknown>;
  beforeAll(() => {
    synthesized = synthesize(exampleConfig());
    // Intrinsics resolved to placeholder ARNs, as the local runner does: the JSON that deploys.
    definition = definitionFromTemplates([...synthesized.jsons.values()]).definition;
  });
  afterAll(() => synthesized.cleanup());

  it('is valid ASL: schema, transitions, terminal states, paths and ARNs', () => {
    const result = validateAsl(structuredClone(definition), { checkPaths: true, checkArn: true });

    expect(result.errorsText(), 'asl-validator').toBe('');
    expect(result.isValid).toBe(true);
  });

  it('fails a definition with a transition to a state that does not exist (the check can fail)', () => {
    const broken = structuredClone(definition) as { StartAt: string; States: Record<string, unknown> };
    const first = broken.States[broken.StartAt] as Record<string, unknown>;
    broken.States[broken.StartAt] = { ...first, Next: 'No such state', End: undefined };

    const result = validateAsl(JSON.parse(JSON.stringify(broken)), { checkPaths: true, checkArn: true });

    expect(result.isValid).toBe(false);
    expect(result.errorsText()).toMatch(/No such state/);
  });
});
