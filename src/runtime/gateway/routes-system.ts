import { isSomaError } from '../../sdk/errors.js';
import { subjectPrefix, tenantPrefix } from '../../sdk/stores/objects/object-keys.js';
import { loadUiAssets, UI_SECURITY_HEADERS } from '../ui-assets.js';
import { type GatewayDeps, principalOf, type Route } from './gateway.js';
import { HttpError } from './http-errors.js';
import { openApiDocument } from './openapi.js';

/** Health, readiness, metrics, the OpenAPI document, the web page, memory search and artifact reads. */
export function systemRoutes(deps: GatewayDeps, allRoutes: () => readonly Route[]): Route[] {
  const ui: Route[] = (deps.uiDir ? loadUiAssets(deps.uiDir) : []).map(
    (asset): Route => ({
      method: 'GET',
      url: asset.path,
      summary: asset.path === '/' ? 'The web chat page' : `Web chat asset ${asset.path.slice(1)}`,
      auth: false,
      responses: { '200': { description: asset.contentType } },
      handler: async (_request, reply) =>
        reply.headers({ ...UI_SECURITY_HEADERS, 'Content-Type': asset.contentType }).send(asset.body),
    }),
  );
  return [
    ...ui,
    {
      method: 'GET',
      url: '/healthz',
      summary: 'Liveness: the process answers',
      auth: false,
      responses: {
        '200': { description: 'alive', schema: { type: 'object', properties: { status: { const: 'ok' } } } },
      },
      handler: async () => ({ status: 'ok' }),
    },
    {
      method: 'GET',
      url: '/readyz',
      summary: 'Readiness: a worker is serving and the stores answer',
      auth: false,
      responses: {
        '200': { description: 'ready' },
        '503': { description: 'not ready; the failing checks are false' },
      },
      handler: async (_request, reply) => {
        const checks: Record<string, boolean> = { worker: await deps.worker.healthy(1000) };
        Object.assign(checks, deps.readiness ? await deps.readiness().catch(() => ({ stores: false })) : {});
        const ready = Object.values(checks).every(Boolean);
        return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
      },
    },
    {
      method: 'GET',
      url: '/metrics',
      summary: 'Prometheus metrics',
      auth: false,
      responses: { '200': { description: 'text exposition format 0.0.4' } },
      handler: async (_request, reply) =>
        reply.header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8').send(deps.metrics.render()),
    },
    {
      method: 'GET',
      url: '/openapi.json',
      summary: 'This API as an OpenAPI 3.1 document',
      auth: false,
      responses: { '200': { description: 'the document' } },
      handler: async () => openApiDocument(allRoutes()),
    },
    {
      method: 'GET',
      url: '/v1/memory/search',
      summary: "Search the caller's long-term memory",
      auth: true,
      schema: {
        querystring: {
          type: 'object',
          required: ['q'],
          properties: {
            q: { type: 'string', minLength: 1, maxLength: 4096 },
            k: {
              type: 'string',
              pattern: '^([1-9]|[1-4][0-9]|50)$',
              description: 'hits, 1 to 50 (default 5)',
            },
          },
        },
      },
      responses: { '200': { description: 'hits, best first' } },
      handler: async (request) => {
        const principal = principalOf(request);
        const { q, k } = request.query as { q: string; k?: string };
        const [vector] = await deps.embedder.embed([q]);
        const hits = await deps.stores.memory.search({
          tenant: principal.tenant,
          subject: principal.subject,
          vector: vector ?? [],
          topK: k ? Number(k) : 5,
        });
        return {
          results: hits.map((hit) => ({
            id: hit.record.id,
            text: hit.record.text,
            score: hit.score,
            createdAt: hit.record.createdAt.toISOString(),
          })),
        };
      },
    },
    {
      method: 'GET',
      url: '/v1/artifacts',
      summary: "Read an artifact a tool produced (the caller's own; admin keys: the tenant's)",
      auth: true,
      schema: {
        querystring: {
          type: 'object',
          required: ['key'],
          properties: { key: { type: 'string', minLength: 1, maxLength: 1024 } },
        },
      },
      responses: { '200': { description: 'the artifact bytes' }, '404': { description: 'no such artifact' } },
      handler: async (request, reply) => {
        const principal = principalOf(request);
        const { key } = request.query as { key: string };
        const allowed = principal.admin
          ? tenantPrefix(principal.tenant)
          : subjectPrefix(principal.tenant, principal.subject);
        if (!key.startsWith(allowed) || key.includes('/../')) {
          throw new HttpError(404, 'NOT_FOUND', 'no such artifact', 'Use a key from a tool_result event.');
        }
        try {
          const object = await deps.stores.objects.get(key);
          return reply
            .header('Content-Type', object.contentType)
            .header('Content-Length', String(object.size))
            .header(
              'Content-Disposition',
              `attachment; filename="${key.split('/').pop()?.replace(/"/g, '') ?? 'artifact'}"`,
            )
            .send(object.body);
        } catch (error) {
          if (isSomaError(error) && error.code === 'NOT_FOUND') {
            throw new HttpError(404, 'NOT_FOUND', 'no such artifact', 'Use a key from a tool_result event.');
          }
          throw error;
        }
      },
    },
  ];
}
