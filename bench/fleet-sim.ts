import { parseCommandLine, runMain, wholeNumberOption } from '../local/commands/command-line.js';
import { generateFleet, simulateNight } from './fleet-model.js';
import { summarizeNight } from './fleet-summary.js';

/**
 * `npm run fleet-sim`: one night of a generated fleet (seeded, so every run of the same options
 * gives the same numbers) under the product's scheduling policy, on a simulated clock. Prints per
 * origin and overall the makespan, the lower bound of the best packing, their ratio, the peak slots
 * in use and the runs that missed the window; the last line is the same as JSON (`FLEET_SIM {…}`).
 */
const USAGE = `Usage: npm run fleet-sim -- [options]

One night of a generated fleet under the product's scheduling policy, on a simulated clock: per
origin and overall the makespan, its lower bound, their ratio, the peak slots and the missed runs.

  --databases N        databases in the fleet                                  [1000]
  --origins N          ORDS origins they are spread over                         [20]
  --cap N              slots per ORDS origin (ordsCaps)                            [4]
  --deployment-cap N   slots in the whole deployment (deploymentCap)        [no limit]
  --window-hours N     the night window's length                                  [10]
  --seed N             the fleet generator's seed                                 [25]
  -h, --help`;

async function main(): Promise<number> {
  const { values } = parseCommandLine(
    {
      options: {
        databases: { type: 'string', default: '1000' },
        origins: { type: 'string', default: '20' },
        cap: { type: 'string', default: '4' },
        'deployment-cap': { type: 'string' },
        'window-hours': { type: 'string', default: '10' },
        seed: { type: 'string', default: '25' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    USAGE,
  );
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const wholeNumber = (name: string, text: string | undefined) => wholeNumberOption(name, text, 1);
  const shape = {
    databases: wholeNumber('databases', values.databases),
    origins: wholeNumber('origins', values.origins),
    seed: wholeNumber('seed', values.seed),
  };
  const settings = {
    cap: wholeNumber('cap', values.cap),
    windowSeconds: wholeNumber('window-hours', values['window-hours']) * 3600,
    ...(values['deployment-cap'] !== undefined
      ? { deploymentCap: wholeNumber('deployment-cap', values['deployment-cap']) }
      : {}),
  };
  const fleet = generateFleet(shape);
  const summaries = summarizeNight(fleet, settings, simulateNight(fleet, settings));

  const hours = (seconds: number) => (seconds / 3600).toFixed(2).padStart(6);
  console.log(
    `${shape.databases} databases over ${shape.origins} ORDS origins, cap ${settings.cap} per origin` +
      `${settings.deploymentCap ? `, ${settings.deploymentCap} per deployment` : ''}, ` +
      `window ${values['window-hours']} h, seed ${shape.seed}`,
  );
  console.log(
    'origin                          runs  missed  makespan h  bound h  ratio  peak/cap  last start h',
  );
  for (const summary of summaries) {
    console.log(
      `${summary.origin.padEnd(30)} ${String(summary.runs).padStart(5)} ${String(summary.missed).padStart(7)}` +
        `  ${hours(summary.makespanSeconds)}     ${hours(summary.lowerBoundSeconds)}  ${summary.ratio.toFixed(3)}` +
        `  ${`${summary.peakSlots}/${summary.cap}`.padStart(8)}  ${hours(summary.lastStartSeconds)}`,
    );
  }
  const overall = summaries.at(-1)!;
  const worst = Math.max(...summaries.slice(0, -1).map((summary) => summary.ratio));
  console.log(
    `FLEET_SIM ${JSON.stringify({ ...shape, ...settings, makespanSeconds: Math.round(overall.makespanSeconds), lowerBoundSeconds: Math.round(overall.lowerBoundSeconds), ratio: Number(overall.ratio.toFixed(4)), worstOriginRatio: Number(worst.toFixed(4)), missed: overall.missed, peakDeploymentSlots: overall.peakSlots })}`,
  );
  return 0;
}

runMain(main, USAGE);
