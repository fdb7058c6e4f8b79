import { InvalidInputError, NotFoundError } from '../../errors.js';
import { checkId } from '../ids.js';
import type { SqlClient } from '../sql/sql-client.js';
import { checkLimit, checkText, toDate } from './sql-helpers.js';
import type {
  JsonObjectSchema,
  NewTool,
  Tool,
  ToolFilter,
  ToolPatch,
  ToolRegistry,
} from './tool-registry.js';
import { checkInputSchema, checkToolName, parseSemver } from './tool-validation.js';

interface ToolRow {
  name: string;
  version: string;
  description: string;
  input_schema: JsonObjectSchema;
  publisher: string;
  enabled: boolean;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'name, version, description, input_schema, publisher, enabled, created_at, updated_at';
const MAX_DESCRIPTION_BYTES = 4096;

function toTool(row: ToolRow): Tool {
  return {
    name: row.name,
    version: row.version,
    description: row.description,
    inputSchema: row.input_schema,
    publisher: row.publisher,
    enabled: row.enabled,
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  };
}

function checkEnabled(value: unknown): boolean {
  if (typeof value !== 'boolean') throw new InvalidInputError('tool enabled must be true or false');
  return value;
}

/** {@link ToolRegistry} over PGlite or a Postgres server (table `soma_tools`, migration 0001). */
export class SqlToolRegistry implements ToolRegistry {
  constructor(private readonly client: SqlClient) {}

  async create(tool: NewTool): Promise<Tool> {
    if (typeof tool !== 'object' || tool === null) throw new InvalidInputError('tool must be an object');
    const name = checkToolName(tool.name);
    const semver = parseSemver(tool.version);
    const schema = checkInputSchema(tool.inputSchema);
    const publisher = checkId('publisher', tool.publisher);
    const description = checkText('tool description', tool.description ?? '', MAX_DESCRIPTION_BYTES, true);
    const enabled = checkEnabled(tool.enabled ?? true);
    // ON CONFLICT DO NOTHING instead of catching the unique violation, so a caller's transaction survives.
    const { rows } = await this.client.query<ToolRow>(
      `INSERT INTO soma_tools (name, version, major, minor, patch, prerelease, description, input_schema, publisher, enabled)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10)
       ON CONFLICT (name, version) DO NOTHING
       RETURNING ${COLUMNS}`,
      [
        name,
        tool.version,
        semver.major,
        semver.minor,
        semver.patch,
        semver.prerelease,
        description,
        schema,
        publisher,
        enabled,
      ],
    );
    const row = rows[0];
    if (!row) {
      throw new InvalidInputError(`tool ${name}@${tool.version} is already registered`, {
        hint: 'A published version is unique: update it, or register a new version.',
        details: { name, version: tool.version },
      });
    }
    return toTool(row);
  }

  async update(name: string, version: string, patch: ToolPatch): Promise<Tool> {
    checkToolName(name);
    parseSemver(version);
    if (typeof patch !== 'object' || patch === null)
      throw new InvalidInputError('tool patch must be an object');
    const params: unknown[] = [name, version];
    const sets: string[] = [];
    const set = (column: string, value: unknown, cast = '') => {
      params.push(value);
      sets.push(`${column} = $${params.length}${cast}`);
    };
    if (patch.description !== undefined) {
      set('description', checkText('tool description', patch.description, MAX_DESCRIPTION_BYTES, true));
    }
    if (patch.inputSchema !== undefined) set('input_schema', checkInputSchema(patch.inputSchema), '::jsonb');
    if (patch.publisher !== undefined) set('publisher', checkId('publisher', patch.publisher));
    if (patch.enabled !== undefined) set('enabled', checkEnabled(patch.enabled));
    if (sets.length === 0) {
      const current = await this.get(name, version);
      if (!current) throw notFound(name, version);
      return current;
    }
    const { rows } = await this.client.query<ToolRow>(
      `UPDATE soma_tools SET ${sets.join(', ')}, updated_at = now()
        WHERE name = $1 AND version = $2 RETURNING ${COLUMNS}`,
      params,
    );
    if (!rows[0]) throw notFound(name, version);
    return toTool(rows[0]);
  }

  async get(name: string, version: string): Promise<Tool | undefined> {
    checkToolName(name);
    parseSemver(version);
    const { rows } = await this.client.query<ToolRow>(
      `SELECT ${COLUMNS} FROM soma_tools WHERE name = $1 AND version = $2`,
      [name, version],
    );
    return rows[0] ? toTool(rows[0]) : undefined;
  }

  async list(filter: ToolFilter = {}): Promise<Tool[]> {
    if (typeof filter !== 'object' || filter === null)
      throw new InvalidInputError('tool filter must be an object');
    const params: unknown[] = [];
    const where: string[] = [];
    const add = (column: string, value: unknown) => {
      params.push(value);
      where.push(`${column} = $${params.length}`);
    };
    if (filter.name !== undefined) add('name', checkToolName(filter.name));
    if (filter.publisher !== undefined) add('publisher', checkId('publisher', filter.publisher));
    if (filter.enabled !== undefined) add('enabled', checkEnabled(filter.enabled));
    params.push(checkLimit(filter.limit));
    const { rows } = await this.client.query<ToolRow>(
      `SELECT ${COLUMNS} FROM soma_tools ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY name, major, minor, patch, prerelease IS NULL, prerelease COLLATE "C"
        LIMIT $${params.length}`,
      params,
    );
    return rows.map(toTool);
  }

  disable(name: string, version: string): Promise<Tool> {
    return this.update(name, version, { enabled: false });
  }
}

function notFound(name: string, version: string): NotFoundError {
  return new NotFoundError(`tool ${name}@${version} is not registered`, {
    hint: 'List the registered versions with ToolRegistry.list({ name }).',
    details: { name, version },
  });
}
