import { GetParametersByPathCommand } from '@aws-sdk/client-ssm';
import { DATABASE_ID } from '../core/state/index.js';
import { ssmClient } from './clients.js';

/** Pages read at most: enough for hundreds of databases, bounded for a doctor that must answer fast. */
const MAX_PAGES = 20;

/** The ids of the databases bound under `path` (`<path>/<database>`), sorted. */
export async function boundDatabases(path: string): Promise<string[]> {
  const root = path.replace(/\/+$/, '');
  const ids: string[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const answer = await ssmClient().send(
      new GetParametersByPathCommand({ Path: root, Recursive: false, NextToken: nextToken }),
    );
    for (const parameter of answer.Parameters ?? []) {
      const id = (parameter.Name ?? '').slice(root.length + 1);
      if (DATABASE_ID.test(id)) ids.push(id);
    }
    nextToken = answer.NextToken;
    if (!nextToken) break;
  }
  return ids.sort();
}
