import { VERSION } from '../../sdk/version.js';

/** A route as the gateway registers it and the OpenAPI document describes it. */
export interface RouteDoc {
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** Fastify path, e.g. `/v1/conversations/:id`. */
  readonly url: string;
  readonly summary: string;
  readonly auth: boolean;
  readonly schema?: {
    readonly body?: Record<string, unknown>;
    readonly querystring?: Record<string, unknown>;
    readonly params?: Record<string, unknown>;
  };
  /** Responses by status: description and, when JSON, its schema. */
  readonly responses: Readonly<
    Record<string, { description: string; schema?: Record<string, unknown>; sse?: boolean }>
  >;
  readonly headers?: ReadonlyArray<{ name: string; description: string }>;
}

const ERROR_SCHEMA = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, hint: { type: 'string' } },
    },
  },
};

/** The OpenAPI 3.1 document of `routes`. */
export function openApiDocument(routes: readonly RouteDoc[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.url.replace(/:(\w+)/g, '{$1}');
    const parameters: unknown[] = [];
    for (const [where, schema] of [
      ['path', route.schema?.params],
      ['query', route.schema?.querystring],
    ] as const) {
      const properties = (schema?.properties ?? {}) as Record<string, Record<string, unknown>>;
      const required = (schema?.required ?? []) as string[];
      for (const [name, property] of Object.entries(properties)) {
        parameters.push({
          name,
          in: where,
          required: where === 'path' || required.includes(name),
          schema: property,
        });
      }
    }
    for (const header of route.headers ?? []) {
      parameters.push({
        name: header.name,
        in: 'header',
        required: false,
        description: header.description,
        schema: { type: 'string' },
      });
    }
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(route.responses)) {
      const content: Record<string, unknown> = {};
      if (response.schema) content['application/json'] = { schema: response.schema };
      if (response.sse) content['text/event-stream'] = { schema: { type: 'string' } };
      responses[status] = {
        description: response.description,
        ...(Object.keys(content).length ? { content } : {}),
      };
    }
    for (const status of route.auth ? ['400', '401', '429'] : []) {
      responses[status] ??= {
        description: {
          '400': 'malformed request',
          '401': 'missing or invalid API key',
          '429': 'rate limited (see Retry-After)',
        }[status],
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
    }
    paths[path] ??= {};
    paths[path][route.method.toLowerCase()] = {
      summary: route.summary,
      ...(parameters.length ? { parameters } : {}),
      ...(route.schema?.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: route.schema.body } } } }
        : {}),
      responses,
      ...(route.auth ? {} : { security: [] }),
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'somaagent gateway',
      version: VERSION,
      description:
        'Conversations with an agent whose data is accounted for. Authenticate with `Authorization: Bearer KEY` (create keys with `somaagent keys create`).',
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: { Error: ERROR_SCHEMA },
    },
    security: [{ bearer: [] }],
    paths,
  };
}
