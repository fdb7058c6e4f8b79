/**
 * somaagent SDK: an agent runtime and the data-governance operations over its stores.
 *
 * @packageDocumentation
 */
export * from './config/index.js';
export { type DoctorReport, type EngineReport, runDoctor } from './diagnostics/doctor.js';
export {
  ConfigError,
  errorMessage,
  InvalidInputError,
  isSomaError,
  NotFoundError,
  SomaError,
  type SomaErrorOptions,
  TimeoutError,
  UnavailableError,
} from './errors.js';
/** The package version. */
export { VERSION } from './version.js';
