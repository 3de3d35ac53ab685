import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sqlRequestBody } from '../../../functions/core/ords/rest-sql.js';
import { PIECE_BYTES } from '../../../functions/core/restore/index.js';
import {
  appendRequest,
  fileHashRequest,
  fileSizeRequest,
} from '../../../functions/core/restore/upload-sql.js';
import { fileContent } from '../../../simulator/file-content.js';
import { type OrdsSimulator, startOrdsSimulator } from '../../../simulator/index.js';
import { defaultRestoreSwitches } from '../../../simulator/uploaded-files.js';
import { call, datapump, pollUntilFinished, postExport } from './http.js';

const TEMPLATE = 'ORDERS-20261201T020000Z-1A2B-%U.DMP';
const DUMP = 'ORDERS-20261201T020000Z-1A2B-01.DMP';
const UPLOADED = `R0123456789-${DUMP}`;
const BYTES = 2 * PIECE_BYTES + 10;

let sim: OrdsSimulator;
let source: Buffer;

type Item = { errorCode?: number; errorDetails?: string; binds?: Array<{ name: string; result?: unknown }> };

async function send(request: Parameters<typeof sqlRequestBody>[0]): Promise<Item> {
  const answer = await call(`${sim.url}_/sql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: sqlRequestBody(request),
  });
  expect(answer.status).toBe(200);
  return answer.json<{ items: Item[] }>().items[0]!;
}

const out = (item: Item, name: string) => item.binds?.find((bind) => bind.name === name)?.result;

function postImport() {
  return call(`${datapump(sim)}import`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      file_name: `R0123456789-${TEMPLATE}`,
      remap_schemas: [{ source: 'HR', target: 'HR_R' }],
    }),
  });
}

beforeEach(async () => {
  sim = await startOrdsSimulator({ dumpFiles: 1, dumpFileBytes: BYTES });
  const created = await postExport(sim, { file_name: TEMPLATE });
  await pollUntilFinished(created.headers.location as string);
  const jobName = sim.jobs()[0]!.jobName;
  source = fileContent(jobName, DUMP, 0, BYTES);
});

afterEach(async () => {
  await sim.stop();
});

describe('the restore blocks in the simulator', () => {
  it('appends only at the offset the block names, and answers the size after', async () => {
    expect(out(await send(fileSizeRequest('DATA_PUMP_DIR', UPLOADED)), 'bytes_out')).toBe(-1);

    const first = await send(appendRequest('DATA_PUMP_DIR', UPLOADED, 0, source.subarray(0, PIECE_BYTES)));
    const again = await send(appendRequest('DATA_PUMP_DIR', UPLOADED, 0, source.subarray(0, PIECE_BYTES)));

    expect(out(first, 'bytes_out')).toBe(PIECE_BYTES);
    expect(again.errorCode).toBe(20101);
    expect(out(await send(fileSizeRequest('DATA_PUMP_DIR', UPLOADED)), 'bytes_out')).toBe(PIECE_BYTES);
  });

  it('lets an import read uploaded files only when they are the exported bytes', async () => {
    await send(appendRequest('DATA_PUMP_DIR', UPLOADED, 0, source));
    const hash = await send(fileHashRequest('DATA_PUMP_DIR', UPLOADED));
    expect(String(out(hash, 'sha256_out')).toLowerCase()).toMatch(/^[0-9a-f]{64}$/);

    expect((await postImport()).status).toBe(201);
  });

  it('fails an import of an uploaded file with one byte changed (ORA-31619)', async () => {
    const damaged = Buffer.from(source);
    damaged[PIECE_BYTES + 5] = (damaged[PIECE_BYTES + 5]! + 1) % 256;
    await send(appendRequest('DATA_PUMP_DIR', UPLOADED, 0, damaged));

    const refused = await postImport();

    expect(refused.status).toBe(400);
    expect(refused.text).toMatch(/ORA-31619.*differs from the exported/);
  });

  it('fails the hash block with PLS-00201 when DBMS_CRYPTO is not granted', async () => {
    sim.configure({ restore: { ...defaultRestoreSwitches(), dbmsCrypto: false } });
    await send(appendRequest('DATA_PUMP_DIR', UPLOADED, 0, source));

    const item = await send(fileHashRequest('DATA_PUMP_DIR', UPLOADED));

    expect(item.errorCode).toBe(6550);
    expect(item.errorDetails).toMatch(/PLS-00201.*DBMS_CRYPTO/);
  });
});
