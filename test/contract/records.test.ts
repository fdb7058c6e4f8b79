import { recordsContract } from './records.contract.js';
import { pgliteHarness } from './records.harness.js';

recordsContract('PGlite', pgliteHarness);
