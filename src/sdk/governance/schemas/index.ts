/** `schemas validate`: parse, lint, golden fixtures, compatibility and changelog checks of Avro schemas. */
export {
  COMPATIBILITY_FILE,
  COMPATIBILITY_MODES,
  type CompatibilityMode,
  checkAgainstVersions,
  DEFAULT_COMPATIBILITY_MODE,
  type EarlierVersion,
  isCompatibilityMode,
  loadCompatibilityModes,
  type ModeViolation,
} from './compatibility-modes.js';
export {
  REPORT_FORMATS,
  type ReportFormat,
  renderGithub,
  renderJunit,
  renderText,
} from './report-formats.js';
export {
  type CompatibilityRule,
  type CompatibilityViolation,
  findViolations,
  type ResolutionDirection,
} from './schema-compatibility.js';
export { type LintFinding, type LintRule, lintSchema } from './schema-lint.js';
export { type ValidateSchemasOptions, validateSchemas } from './validate-schemas.js';
export type {
  FindingCategory,
  FixtureRule,
  SchemaFinding,
  SchemaRule,
  SchemaStatus,
  SchemaSummary,
  SchemaValidationReport,
} from './validation-report.js';
