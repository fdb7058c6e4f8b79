import { migrateContract } from './migrate.contract.js';
import { pgliteHarness } from './records.harness.js';

migrateContract('PGlite', pgliteHarness);
