import { SomaError, TimeoutError, UnavailableError } from '../../errors.js';

/** Options of {@link SchemaRegistryClient}. */
export interface SchemaRegistryOptions {
  /** Base URL, e.g. `http://registry:8081`; `user:password@` in it becomes HTTP basic auth. */
  readonly url: string;
  /** Deadline of each request (default 5000 ms). */
  readonly timeoutMs?: number;
  /** The fetch implementation (default the global one). */
  readonly fetch?: typeof fetch;
}

/** A registered schema version of a subject. */
export interface RegisteredSchema {
  readonly id: number;
  readonly version: number;
}

/** The registry refused a request (e.g. 409: the schema is incompatible with the subject's versions). */
export class SchemaRegistryError extends SomaError {
  constructor(
    readonly status: number,
    readonly registryCode: number | undefined,
    message: string,
  ) {
    super('SCHEMA_REGISTRY_REJECTED', message, {
      hint: 'Check the schema against the subject with `somaagent schemas validate`, or the registry config.',
      details: { status, ...(registryCode === undefined ? {} : { registryCode }) },
    });
  }
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

/**
 * A small client of the Confluent Schema Registry REST API, over fetch: registers and looks up subject
 * versions and fetches schemas by id, caching every answer (ids are immutable). Every request has a
 * deadline; an unreachable or failing (5xx) registry is a retriable `UnavailableError` / `TimeoutError`
 * naming it, a refusal (4xx other than "not found") a {@link SchemaRegistryError}.
 */
export class SchemaRegistryClient {
  readonly address: string;
  private readonly base: string;
  private readonly authorization: string | undefined;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;
  private readonly ids = new Map<string, Promise<number>>();
  private readonly schemas = new Map<number, Promise<string | null>>();

  constructor(options: SchemaRegistryOptions) {
    const url = new URL(options.url);
    if (url.username || url.password) {
      const user = decodeURIComponent(url.username);
      const password = decodeURIComponent(url.password);
      this.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
      url.username = '';
      url.password = '';
    }
    this.base = url.toString().replace(/\/+$/, '');
    this.address = this.base;
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.fetchImpl = options.fetch ?? fetch;
  }

  /**
   * Registers `schema` (JSON text) under `subject` (`POST /subjects/{subject}/versions`) and returns its
   * global id; registering a schema already there returns the existing id. Cached per subject and schema.
   */
  register(subject: string, schema: string): Promise<number> {
    const key = `${subject}\u0000${schema}`;
    let id = this.ids.get(key);
    if (!id) {
      id = this.request('POST', `/subjects/${encodeURIComponent(subject)}/versions`, { schema }).then(
        (body) => {
          if (body === null) throw new SchemaRegistryError(404, undefined, `subject ${subject} not found`);
          return (body as { id: number }).id;
        },
      );
      this.ids.set(key, id);
      id.catch(() => this.ids.delete(key));
    }
    return id;
  }

  /**
   * The version of `subject` holding `schema` (`POST /subjects/{subject}`), or null when the subject or
   * the schema is not registered.
   */
  async lookup(subject: string, schema: string): Promise<RegisteredSchema | null> {
    const body = await this.request('POST', `/subjects/${encodeURIComponent(subject)}`, { schema });
    if (body === null) return null;
    const { id, version } = body as RegisteredSchema;
    return { id, version };
  }

  /** The schema (JSON text) with global id `id` (`GET /schemas/ids/{id}`), or null when unknown. Cached. */
  schemaById(id: number): Promise<string | null> {
    let schema = this.schemas.get(id);
    if (!schema) {
      schema = this.request('GET', `/schemas/ids/${id}`).then((body) =>
        body === null ? null : (body as { schema: string }).schema,
      );
      this.schemas.set(id, schema);
      schema.catch(() => this.schemas.delete(id));
    }
    return schema;
  }

  /** Sends one request; resolves the JSON body, or null on 404. */
  private async request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    const headers: Record<string, string> = { accept: CONTENT_TYPE };
    if (body !== undefined) headers['content-type'] = CONTENT_TYPE;
    if (this.authorization) headers.authorization = this.authorization;
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.base}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw new TimeoutError(
          `schema registry at ${this.address} did not answer ${method} ${path} within ${this.timeoutMs} ms`,
          { cause: error, hint: 'Check the registry or raise timeouts.request.' },
        );
      }
      throw new UnavailableError(
        'schema-registry',
        this.address,
        `schema registry at ${this.address} is unreachable: ${(error as Error).message}`,
        { cause: error, hint: 'Start the registry or fix kafka.schemaRegistryUrl.' },
      );
    }
    const text = await response.text();
    const json = text ? safeJson(text) : undefined;
    if (response.ok) return json;
    if (response.status === 404) return null;
    const detail = json as { error_code?: number; message?: string } | undefined;
    const message = `schema registry at ${this.address}: ${method} ${path} → ${response.status}${
      detail?.message ? `: ${detail.message}` : ''
    }`;
    if (response.status >= 500) {
      throw new UnavailableError('schema-registry', this.address, message, {
        hint: 'The registry is failing; retry later.',
      });
    }
    throw new SchemaRegistryError(response.status, detail?.error_code, message);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
