import { Logger } from '@aws-lambda-powertools/logger';

/** The functions' structured JSON logger (service name from POWERTOOLS_SERVICE_NAME). */
export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'ords-datapump-backup',
});
