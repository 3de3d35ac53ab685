import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BindingPinsSchema } from '../../functions/core/run/index.js';
import { OrdsDatapumpBackup } from '../../infra/index.js';
import { buildConstructApp, type ConstructApp } from '../apps/construct-app.js';
import { type Json, logicalIdOf, newApp, type TemplateJson } from './synth.js';

/** The pins file of the one pins layer of `main`, read from the cloud assembly. */
function pinsOf(outdir: string, main: TemplateJson): Json {
  const layers = Object.values(main.Resources).filter((r) => r.Type === 'AWS::Lambda::LayerVersion');
  expect(layers).toHaveLength(1);
  const hash = String(layers[0]!.Properties.Content.S3Key).replace(/\.zip$/, '');
  const text = readFileSync(
    join(outdir, `asset.${hash}`, 'ords-datapump-backup', 'binding-pins.json'),
    'utf8',
  );
  return BindingPinsSchema.parse(JSON.parse(text));
}

describe('the binding pins the functions ship with', () => {
  let built: ConstructApp;
  let templates: Map<string, TemplateJson>;
  let outdir: string;
  let cleanup: () => void;
  beforeAll(() => {
    const created = newApp();
    cleanup = created.cleanup;
    built = buildConstructApp(created.app);
    outdir = created.app.outdir;
    templates = new Map(
      created.app.synth().stacks.map((stack) => [stack.stackName, stack.template as TemplateJson]),
    );
  });
  afterAll(() => cleanup());

  it('pin the ORDS URL, secret and prefix of every database, those of another stack included', () => {
    const main = templates.get(built.stack.stackName)!;
    const fleet = templates.get(built.fleetStack.stackName)!;
    const parameters = [...Object.values(main.Resources), ...Object.values(fleet.Resources)]
      .filter((r) => r.Type === 'AWS::SSM::Parameter')
      .map((r) => JSON.parse(r.Properties.Value as string) as Json);

    const pins = pinsOf(outdir, main);

    expect(Object.keys(pins).sort()).toEqual(['billing', 'orders']);
    for (const binding of parameters) {
      expect(pins[binding.database]).toEqual({
        ordsUrl: binding.ordsUrl,
        secretId: binding.secretId,
        prefix: binding.prefix,
        slots: binding.slots,
      });
      // The binding carries slot caps: its origin's (4 by default) and none for the deployment.
      expect(binding.slots).toEqual({ origin: new URL(binding.ordsUrl).origin, originCap: 4 });
    }
  });

  it('are built once, with the databases of every stack: one pins asset in the cloud assembly', () => {
    const assets = readdirSync(outdir).filter((entry) =>
      existsSync(join(outdir, entry, 'ords-datapump-backup', 'binding-pins.json')),
    );

    expect(assets).toHaveLength(1);
  });

  it('are a layer of every function that reads bindings', () => {
    const main = templates.get(built.stack.stackName)!;
    const { functions } = built.backup;
    const readers = [
      ...functions.ordsCallers,
      functions.writeManifest,
      functions.recordRestoreDrill,
      built.backup.backupAge.function,
    ];
    const layerId = Object.entries(main.Resources).find(
      ([, r]) => r.Type === 'AWS::Lambda::LayerVersion',
    )![0];

    for (const fn of readers) {
      expect(main.Resources[logicalIdOf(fn)]!.Properties.Layers).toEqual([{ Ref: layerId }]);
    }
  });
});

describe('the pin of a secret created in the same app', () => {
  it('leaves the secret out (its ARN is a token at synth) and keeps the ORDS URL and prefix', () => {
    const { app, cleanup } = newApp();
    try {
      const stack = new Stack(app, 'Main');
      new OrdsDatapumpBackup(stack, 'Backup', {
        databases: [
          {
            id: 'orders',
            ordsUrl: 'https://db.example.com/ords/pdb1/backup_user/',
            secret: new Secret(stack, 'OrdersSecret'),
            prefix: 'nightly/',
          },
        ],
      });
      const main = app.synth().getStackByName(stack.stackName).template as TemplateJson;

      expect(pinsOf(app.outdir, main)).toEqual({
        orders: {
          ordsUrl: 'https://db.example.com/ords/pdb1/backup_user/',
          prefix: 'nightly/',
          slots: { origin: 'https://db.example.com', originCap: 4 },
        },
      });
    } finally {
      cleanup();
    }
  });
});

describe('the prefix a construct user gives', () => {
  it('fails at synth on a prefix with *, which IAM would read as a wildcard over other folders', () => {
    // GIVEN a database whose prefix would become `arn:…:bucket/*/…` in its functions' grants
    const { app, cleanup } = newApp();
    try {
      const stack = new Stack(app, 'Main');
      // WHEN the construct is built THEN it names the database and the bad prefix
      expect(
        () =>
          new OrdsDatapumpBackup(stack, 'Backup', {
            databases: [
              {
                id: 'orders',
                ordsUrl: 'https://db.example.com/ords/pdb1/backup_user/',
                secret: new Secret(stack, 'OrdersSecret'),
                prefix: '*/',
              },
            ],
          }),
      ).toThrow(/database "orders" is not valid: .*prefix/);
    } finally {
      cleanup();
    }
  });
});
