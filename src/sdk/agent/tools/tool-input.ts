import type { ValidateFunction } from 'ajv';
import type { Tool } from '../../stores/records/tool-registry.js';
import { createToolSchemaAjv } from '../../stores/records/tool-validation.js';

/** Why a tool's input was refused, in words a model can act on. */
export interface InputProblem {
  readonly code: 'TOOL_INPUT_INVALID' | 'TOOL_SCHEMA_INVALID';
  readonly message: string;
}

const MAX_ERRORS = 5;

/**
 * Checks tool inputs against the input schema registered for the tool version (JSON Schema, compiled
 * once per version and schema change). Unknown keywords in a registered schema are ignored; the standard
 * formats (`date-time`, `email`, `uri`, …) are checked.
 */
export class ToolInputValidator {
  private readonly ajv = createToolSchemaAjv();
  private readonly compiled = new Map<
    string,
    { stamp: number; schema: object; validate: ValidateFunction }
  >();

  /** Undefined when `input` satisfies the tool's schema, else what is wrong with it. */
  check(tool: Tool, input: unknown): InputProblem | undefined {
    const validate = this.validatorOf(tool);
    if (typeof validate === 'string') {
      return {
        code: 'TOOL_SCHEMA_INVALID',
        message: `the registered input schema of ${tool.name}@${tool.version} cannot be used: ${validate}`,
      };
    }
    if (validate(input)) return undefined;
    const errors = validate.errors ?? [];
    const shown = errors.slice(0, MAX_ERRORS).map((error) => {
      const where = `input${error.instancePath}`;
      const allowed = (error.params as { additionalProperty?: string }).additionalProperty;
      return allowed === undefined
        ? `${where} ${error.message}`
        : `${where} has unknown property "${allowed}"`;
    });
    const more = errors.length > MAX_ERRORS ? ` (and ${errors.length - MAX_ERRORS} more problems)` : '';
    return {
      code: 'TOOL_INPUT_INVALID',
      message: `invalid input for ${tool.name}: ${shown.join('; ')}${more}`,
    };
  }

  private validatorOf(tool: Tool): ValidateFunction | string {
    const key = `${tool.name}@${tool.version}`;
    const stamp = tool.updatedAt.getTime();
    const cached = this.compiled.get(key);
    if (cached && cached.stamp === stamp) return cached.validate;
    // A changed schema replaces the old one (which may share its $id).
    if (cached) this.ajv.removeSchema(cached.schema);
    try {
      const schema = structuredClone(tool.inputSchema) as object;
      const validate = this.ajv.compile(schema);
      this.compiled.set(key, { stamp, schema, validate });
      return validate;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }
}
