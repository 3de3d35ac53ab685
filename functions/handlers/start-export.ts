import { setTimeout as sleep } from 'node:timers/promises';
import { StartExportPayloadSchema } from '../core/payloads.js';
import { startExport } from '../core/start-export.js';
import { defineTask } from '../shared/handler.js';
import { logger } from '../shared/logger.js';
import { ordsFor } from '../shared/ords.js';

/** "Start export": starts (or adopts) this run's Data Pump export. */
export const handler = defineTask('Start export', StartExportPayloadSchema, async (payload) =>
  startExport({ ords: await ordsFor(payload), logger, now: () => new Date(), sleep }, payload),
);
