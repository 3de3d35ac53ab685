import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aspects, Lazy, Token } from 'aws-cdk-lib';
import { Architecture, Code, type ILayerVersion, LayerVersion, Runtime } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { BindingPin, BindingPins } from '../../functions/core/run/index.js';

/** The file in the layer; Lambda extracts layers under /opt (see `functions/shared/binding-pins.ts`). */
const PINS_PATH = ['ords-datapump-backup', 'binding-pins.json'] as const;

/**
 * The deployment's binding pins (ORDS URL, secret, prefix per database) in a Lambda layer that every
 * function reading bindings carries. A layer version is immutable and a function's layers change
 * only with `lambda:UpdateFunctionConfiguration`: editing the SSM parameters cannot move them.
 *
 * Why a layer and not `bundling.define`: `addDatabases()` adds databases after the functions were
 * bundled, possibly from other stacks, and the environment (4 KB) cannot hold a fleet. The layer is
 * built once when synthesis starts (an aspect), with every database added by then.
 */
export class BindingPinsLayer extends Construct {
  /** The layer to add to every function that reads bindings (resolved at synth). */
  readonly layer: ILayerVersion;
  private readonly pins: Record<string, BindingPin> = {};
  private current: LayerVersion | undefined;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    // Built once, when synthesis starts and every database has been added (from any stack): a
    // version built earlier would be staged and uploaded, yet never used.
    Aspects.of(this).add({
      visit: (node) => {
        if (node === this && !this.current) this.current = this.build();
      },
    });
    this.layer = LayerVersion.fromLayerVersionArn(
      this,
      'Last',
      Lazy.string({
        produce: () => {
          if (!this.current)
            throw new Error(`${this.node.path}: the pins layer was not built before synthesis`);
          return this.current.layerVersionArn;
        },
      }),
    );
  }

  /** The key prefixes of the databases pinned so far (one per database, repeats included). */
  get prefixes(): string[] {
    return Object.values(this.pins).map((pin) => pin.prefix);
  }

  /** Adds the pins of some databases (each database once), before synthesis. */
  add(pins: BindingPins): void {
    if (this.current) throw new Error(`${this.node.path}: pins added after synthesis started`);
    for (const [database, pin] of Object.entries(pins)) {
      if (Object.hasOwn(this.pins, database)) {
        throw new Error(`${this.node.path}: database "${database}" is pinned twice`);
      }
      for (const value of [pin.ordsUrl, pin.secretId ?? '', pin.prefix]) {
        if (Token.isUnresolved(value)) {
          throw new Error(
            `${this.node.path}: the pin of database "${database}" holds a token (${value}); pins are written at synth`,
          );
        }
      }
      this.pins[database] = pin;
    }
  }

  private build(): LayerVersion {
    const directory = mkdtempSync(join(tmpdir(), 'binding-pins-'));
    try {
      const file = join(directory, ...PINS_PATH);
      mkdirSync(join(directory, PINS_PATH[0]));
      // Sorted keys: the same fleet gives the same asset hash, whatever the order databases were added in.
      const sorted = Object.fromEntries(Object.entries(this.pins).sort(([a], [b]) => a.localeCompare(b)));
      writeFileSync(file, `${JSON.stringify(sorted)}\n`);
      return new LayerVersion(this, 'Version', {
        code: Code.fromAsset(directory),
        compatibleRuntimes: [Runtime.NODEJS_24_X],
        compatibleArchitectures: [Architecture.ARM_64],
        description: 'ords-datapump-backup: ORDS URL, secret and prefix of each database, as deployed',
      });
    } finally {
      // The asset is staged into the cloud assembly when the layer is created.
      rmSync(directory, { recursive: true, force: true });
    }
  }
}
