import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Conversations } from '../../sdk/agent/conversations.js';
import type { Embedder } from '../../sdk/agent/embeddings/embedder.js';
import type { SomaConfig } from '../../sdk/config/schema.js';
import type { OutboxWriter } from '../../sdk/events/outbox/outbox-writer.js';
import type { ErasureSettings } from '../../sdk/governance/erase/index.js';
import type { Stores } from '../../sdk/stores/factory.js';
import type { Logger } from '../logger.js';
import { LATENCY_BUCKETS, type MetricsRegistry } from '../metrics.js';
import type { WorkerClient } from '../worker/worker-client.js';
import { HttpError, toHttpError } from './http-errors.js';
import type { RouteDoc } from './openapi.js';
import { adminRoutes } from './routes-admin.js';
import { conversationRoutes } from './routes-conversations.js';
import { systemRoutes } from './routes-system.js';

/** Who a request acts for: resolved from its API key. */
export interface Principal {
  readonly keyId: string;
  readonly tenant: string;
  readonly subject: string;
  readonly admin: boolean;
}

/** Resolves a presented API key; null when it is unknown, revoked, expired or malformed. */
export type Authenticate = (presentedKey: string) => Promise<Principal | null>;

/** What the gateway needs. */
export interface GatewayDeps {
  readonly config: SomaConfig;
  readonly stores: Stores;
  readonly conversations: Conversations;
  readonly worker: WorkerClient;
  readonly authenticate: Authenticate;
  readonly embedder: Embedder;
  readonly outbox: OutboxWriter;
  readonly metrics: MetricsRegistry;
  readonly log: Logger;
  /** Directory of the web chat page (index.html, app.js, style.css); no page when undefined. */
  readonly uiDir?: string;
  /** Readiness checks beyond the worker's health (e.g. the records database). */
  readonly readiness?: () => Promise<Record<string, boolean>>;
  /**
   * The erase settings, asked for when an admin erasure route needs them; throwing a `ConfigError` (no
   * `erase.receiptKey`) fails only those routes (503). `erasureSettings(config)` when undefined.
   */
  readonly erasure?: () => ErasureSettings;
}

/** A route's handler plus its description. */
export interface Route extends RouteDoc {
  readonly handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
}

/** The gateway app plus its shutdown switch. */
export interface Gateway {
  readonly app: FastifyInstance;
  /** Refuses new turns (503) from now on; running ones go on. */
  startDraining(): void;
  /** Turns being streamed or answered now. */
  inFlight(): number;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
    rateHeaders?: Record<string, string>;
  }
}

/**
 * Builds the HTTP gateway (Fastify): versioned REST API under `/v1` with API-key auth, per-key rate limits,
 * body limits and validation with messages that say what was wrong; admin routes under `/v1/admin` (erasure,
 * legal holds) for admin keys; `/healthz`, `/readyz`, `/metrics`, `/openapi.json` and the web chat page at `/`.
 */
export function createGateway(deps: GatewayDeps): Gateway {
  const app = Fastify({
    bodyLimit: deps.config.server.bodyLimit,
    logger: false,
    // No coercion: {"text": 5} is a mistake to report, not a string to guess.
    ajv: { customOptions: { allErrors: false, coerceTypes: false, removeAdditional: false } },
    return503OnClosing: true,
  });
  // JSON only: any other body type is answered with 415 and what to send instead.
  app.removeContentTypeParser('text/plain');
  // An empty body is no body (a DELETE sent with Content-Type: application/json is fine); broken JSON is a 400.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      done(
        new HttpError(
          400,
          'INVALID_INPUT',
          `the request body is not valid JSON: ${(error as Error).message}`,
          'Send a JSON object.',
        ),
        undefined,
      );
    }
  });
  const requests = deps.metrics.counter('soma_http_requests_total', 'HTTP requests by route and status');
  const latency = deps.metrics.histogram(
    'soma_http_request_duration_seconds',
    'HTTP request latency (for streamed turns: until the stream ends)',
    LATENCY_BUCKETS,
  );
  const state = { draining: false, inFlight: 0 };

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    latency.observe(reply.elapsedTime / 1000, { route });
  });

  app.setErrorHandler(
    (
      error: Error & { validation?: unknown; validationContext?: string; statusCode?: number; code?: string },
      request,
      reply,
    ) => {
      let http: HttpError;
      if (error.validation) {
        http = new HttpError(
          400,
          'INVALID_INPUT',
          `${error.message.replace(/^body\//, 'body.')}`,
          'See GET /openapi.json for the expected request.',
        );
      } else if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        http = new HttpError(
          413,
          'BODY_TOO_LARGE',
          `the request body is larger than ${deps.config.server.bodyLimit} bytes`,
          'Send a smaller body (server.bodyLimit sets the limit).',
        );
      } else if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
        http = new HttpError(
          415,
          'UNSUPPORTED_MEDIA_TYPE',
          `content type ${request.headers['content-type'] ?? '(none)'} is not accepted`,
          'Send JSON with Content-Type: application/json.',
        );
      } else if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
        http = new HttpError(400, 'INVALID_INPUT', 'the request body is empty', 'Send a JSON object.');
      } else if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
        http = new HttpError(
          400,
          'INVALID_INPUT',
          `the request body is not valid JSON: ${error.message}`,
          'Send a JSON object.',
        );
      } else if (
        typeof error.statusCode === 'number' &&
        error.statusCode < 500 &&
        !(error instanceof HttpError)
      ) {
        http = new HttpError(error.statusCode, 'INVALID_INPUT', error.message);
      } else {
        http = toHttpError(error);
        if (http.status >= 500)
          deps.log.error('request failed', {
            route: request.routeOptions.url,
            error: (error as Error).message,
          });
      }
      for (const [name, value] of Object.entries({ ...request.rateHeaders, ...http.headers }))
        reply.header(name, value);
      return reply.status(http.status).send(http.body());
    },
  );
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .send(
        new HttpError(
          404,
          'NOT_FOUND',
          `no route ${request.method} ${request.url.split('?')[0]}`,
          'See GET /openapi.json for the API.',
        ).body(),
      ),
  );

  const authenticated = async (request: FastifyRequest) => {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) {
      throw new HttpError(
        401,
        'UNAUTHENTICATED',
        'missing API key',
        'Send Authorization: Bearer KEY (create one with `somaagent keys create`).',
        { 'WWW-Authenticate': 'Bearer' },
      );
    }
    const principal = await deps.authenticate(match[1] as string);
    if (!principal) {
      throw new HttpError(
        401,
        'UNAUTHENTICATED',
        'the API key is not valid (unknown, revoked or expired)',
        'Create a new key with `somaagent keys create`.',
        { 'WWW-Authenticate': 'Bearer' },
      );
    }
    request.principal = principal;
    const decision = await deps.stores.rateLimiter.take(
      { tenant: principal.tenant, bucket: `key:${principal.keyId}` },
      { limit: deps.config.server.rateLimit, windowMs: 60_000 },
    );
    request.rateHeaders = {
      'RateLimit-Limit': String(decision.limit),
      'RateLimit-Remaining': String(decision.remaining),
      'RateLimit-Reset': String(Math.ceil(decision.resetMs / 1000)),
    };
    if (!decision.allowed) {
      const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
      throw new HttpError(
        429,
        'RATE_LIMITED',
        `too many requests: ${decision.limit} per minute per API key`,
        `Retry after ${seconds} s.`,
        { 'Retry-After': String(seconds) },
      );
    }
  };

  const routes: Route[] = [
    ...systemRoutes(deps, () => routes),
    ...conversationRoutes(deps, state),
    ...adminRoutes(deps, state),
  ];
  for (const route of routes) {
    app.route({
      method: route.method,
      url: route.url,
      ...(route.schema ? { schema: route.schema } : {}),
      ...(route.auth ? { onRequest: authenticated } : {}),
      handler: async (request, reply) => {
        for (const [name, value] of Object.entries(request.rateHeaders ?? {})) reply.header(name, value);
        return route.handler(request, reply);
      },
    });
  }
  return {
    app,
    startDraining: () => {
      state.draining = true;
    },
    inFlight: () => state.inFlight,
  };
}

/** The request's principal (set by the auth hook). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new HttpError(401, 'UNAUTHENTICATED', 'missing API key');
  return request.principal;
}
