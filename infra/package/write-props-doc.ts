import { writeFileSync } from 'node:fs';
import { currentPropsDocText, PROPS_DOC_FILE } from './props-doc.js';

/** `npm run docs:props`: writes the construct's props reference from the TSDoc of the props. */
writeFileSync(PROPS_DOC_FILE, currentPropsDocText());
console.log(`Wrote ${PROPS_DOC_FILE}`);
