import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildPackage, handlerEntries, ROOT } from './package-build.js';

/** `npm run build [-- --out <folder>]`: the npm package in `dist/` (or `<folder>`); see package-build.ts. */
const { values: args } = parseArgs({ options: { out: { type: 'string', default: join(ROOT, 'dist') } } });
const dist = resolve(args.out);
await buildPackage(dist);
console.log(`Built ${dist}: the construct, its types and ${handlerEntries().length} handler bundles`);
