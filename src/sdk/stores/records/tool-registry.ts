/**
 * The tool marketplace registry port: which tools exist, in which semver versions, with which input schema,
 * published by whom, and whether they may be called.
 */

/** A JSON Schema of a tool's inputs: always an object schema. */
export type JsonObjectSchema = Readonly<Record<string, unknown>> & { readonly type: 'object' };

/** A tool to register. */
export interface NewTool {
  /**
   * Lowercase name: letters, digits and single `.`, `_`, `-` separators, starting with a letter, at most 64
   * characters, e.g. `web.search`.
   */
  readonly name: string;
  /** Semantic version 2.0.0, e.g. `1.2.0`, `2.0.0-rc.1`. */
  readonly version: string;
  /** JSON Schema of the inputs: `type: "object"`, optional `properties` and `required`; at most 64 KiB. */
  readonly inputSchema: Readonly<Record<string, unknown>>;
  /** Publisher id (checked with `checkId`). */
  readonly publisher: string;
  /** At most 4 KiB; empty when omitted. */
  readonly description?: string;
  /** True when omitted. */
  readonly enabled?: boolean;
}

/** A registered tool version. */
export interface Tool {
  readonly name: string;
  readonly version: string;
  readonly description: string;
  readonly inputSchema: JsonObjectSchema;
  readonly publisher: string;
  readonly enabled: boolean;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** Fields {@link ToolRegistry.update} may change (name and version identify the tool and never change). */
export interface ToolPatch {
  readonly description?: string;
  readonly inputSchema?: Readonly<Record<string, unknown>>;
  readonly publisher?: string;
  readonly enabled?: boolean;
}

/** Filters of {@link ToolRegistry.list}. */
export interface ToolFilter {
  /** Only versions of this tool. */
  readonly name?: string;
  readonly publisher?: string;
  readonly enabled?: boolean;
  /** 1 to 1000; 100 when omitted. */
  readonly limit?: number;
}

/**
 * Registry of tool versions, unique by (name, version). Malformed names, versions, schemas or ids are an
 * `InvalidInputError` naming the field; registering an existing (name, version) is an `InvalidInputError`
 * saying so; updating or disabling a missing version is a `NotFoundError`.
 */
export interface ToolRegistry {
  /** Registers a new version. */
  create(tool: NewTool): Promise<Tool>;
  /** Changes fields of an existing version and returns it. */
  update(name: string, version: string, patch: ToolPatch): Promise<Tool>;
  /** One version, or undefined. */
  get(name: string, version: string): Promise<Tool | undefined>;
  /**
   * Versions matching the filter, by name then ascending semver: pre-releases before their release, and
   * pre-releases of one version in text order.
   */
  list(filter?: ToolFilter): Promise<Tool[]>;
  /** Marks a version disabled (it stays listed, but must not be called) and returns it. */
  disable(name: string, version: string): Promise<Tool>;
}
