import type { FastifyRequest } from 'fastify';
import { isSomaError } from '../../sdk/errors.js';
import {
  checkPlanAllowed,
  type ErasureSettings,
  erasureReport,
  erasureSettings,
  executeErasure,
  placeLegalHold,
  planErasure,
  releaseLegalHold,
} from '../../sdk/governance/erase/index.js';
import { type GatewayDeps, type Principal, principalOf, type Route } from './gateway.js';
import { HttpError, toHttpError } from './http-errors.js';

const SUBJECT = { type: 'string', minLength: 1, maxLength: 256, description: 'the user id, exact' };
const ALLOW_PATTERN_CHARACTERS = {
  type: 'boolean',
  description: 'accept ids containing * ? [ ] { } % \\ (still matched exactly); refused by default',
};
/** The report of `somaagent erase --json`; the full schema is schemas/json/erase.schema.json. */
const ERASE_REPORT = {
  type: 'object',
  description:
    'The erasure report, the same JSON as `somaagent erase --json` (https://somaagent.dev/schemas/json/erase.schema.json). Check `status`: erased, residue, planned (dry run) or blocked (dry run under a legal hold).',
  required: ['status', 'dryRun', 'tenant', 'subject', 'plan', 'execution', 'receipt', 'receiptHash'],
  properties: {
    status: { enum: ['planned', 'blocked', 'erased', 'residue'] },
    dryRun: { type: 'boolean' },
    tenant: { type: 'string' },
    subject: { type: 'string', description: 'keyed hash of (tenant, user), never the id' },
    plan: { type: 'object' },
    execution: { type: ['object', 'null'] },
    receipt: { type: ['object', 'null'] },
    receiptHash: { type: ['string', 'null'] },
  },
};
const HOLD = {
  type: 'object',
  required: ['tenant', 'subject', 'reason', 'placedBy', 'placedAt'],
  properties: {
    tenant: { type: 'string' },
    subject: { type: 'string' },
    reason: { type: 'string' },
    placedBy: { type: 'string' },
    placedAt: { type: 'string', format: 'date-time' },
  },
};
const ERROR = { $ref: '#/components/schemas/Error' };
const ADMIN_ERRORS = {
  '403': { description: 'the API key is not an admin key', schema: ERROR },
};

/** What `POST /v1/admin/erase` takes. */
interface EraseBody {
  readonly subject: string;
  readonly dryRun?: boolean;
  readonly maxRecords?: number;
  readonly expectPlanHash?: string;
  readonly allowPatternCharacters?: boolean;
}

/**
 * Admin routes of the gateway, for admin API keys only (403 otherwise), always on the key's own tenant:
 * erasure of one user (`POST /v1/admin/erase`, the SDK's plan → check → execute → verify → receipt) and legal
 * holds. `deps.erasure` gives the erase settings when a request needs them, so a server without
 * `erase.receiptKey` serves everything else and answers these with 503.
 */
export function adminRoutes(deps: GatewayDeps, state: { draining: boolean; inFlight: number }): Route[] {
  const { stores, log } = deps;
  const settingsOf = deps.erasure ?? (() => erasureSettings(deps.config));
  // Erasures running in this process, per tenant and user: a second request for the same user waits its turn
  // by being refused (409), so two runs never resume the same job at once.
  const running = new Set<string>();
  const actor = (principal: Principal) => `key:${principal.keyId}`;

  const settings = (): ErasureSettings => {
    try {
      return settingsOf();
    } catch (error) {
      if (isSomaError(error) && error.code === 'CONFIG_INVALID') {
        throw new HttpError(
          503,
          'ERASURE_NOT_CONFIGURED',
          `erasure is not available on this server: ${error.message}`,
          `${error.hint ?? 'Set erase.receiptKey.'} Then restart the server.`,
        );
      }
      throw error;
    }
  };

  return [
    {
      method: 'POST',
      url: '/v1/admin/erase',
      summary:
        "Erase a user of the admin key's tenant from every store, verify it and issue a signed receipt (admin keys only)",
      auth: true,
      schema: {
        body: {
          type: 'object',
          required: ['subject'],
          additionalProperties: false,
          properties: {
            subject: SUBJECT,
            dryRun: { type: 'boolean', description: 'plan only: per-store counts and the plan hash' },
            maxRecords: {
              type: 'integer',
              minimum: 0,
              description: 'blast-radius guard for this run (default erase.maxRecords)',
            },
            expectPlanHash: {
              type: 'string',
              pattern: '^sha256:[0-9a-f]{64}$',
              description: 'refuse (422) unless the plan hash is this one, e.g. that of a reviewed dry run',
            },
            allowPatternCharacters: ALLOW_PATTERN_CHARACTERS,
          },
        },
      },
      responses: {
        '200': {
          description:
            'the report: `status` erased (verified, receipt issued), residue (something is left: the job stays open, call again), planned or blocked (dry run)',
          schema: ERASE_REPORT,
        },
        ...ADMIN_ERRORS,
        '409': {
          description: 'a legal hold blocks the erasure (the reason is in the message), or it is running',
        },
        '422': { description: 'the plan exceeds maxRecords, or differs from expectPlanHash' },
        '503': { description: 'erase.receiptKey is not configured, or the server is shutting down' },
      },
      handler: async (request) => {
        const principal = requireAdmin(request, 'POST /v1/admin/erase');
        const body = request.body as EraseBody;
        const erase = settings();
        if (state.draining) {
          throw new HttpError(
            503,
            'SHUTTING_DOWN',
            'the server is shutting down and starts no erasure',
            'Retry on another instance or after the restart; a started erasure resumes.',
            { 'Retry-After': '5' },
          );
        }
        const lock = `${principal.tenant}\u0000${body.subject}`;
        if (running.has(lock)) {
          throw new HttpError(
            409,
            'ERASURE_IN_PROGRESS',
            'an erasure of this user is already running on this server',
            'Wait for it to finish; its response carries the report.',
            { 'Retry-After': '5' },
          );
        }
        running.add(lock);
        state.inFlight += 1;
        try {
          const plan = await planErasure(
            stores,
            {
              tenant: principal.tenant,
              subject: body.subject,
              allowPatternCharacters: body.allowPatternCharacters,
            },
            erase,
          );
          const maxRecords = body.maxRecords ?? erase.maxRecords;
          if (body.dryRun) return erasureReport(plan, { maxRecords, dryRun: true });
          const options = { maxRecords, expectPlanHash: body.expectPlanHash, actor: actor(principal) };
          checkPlanAllowed(plan, erase, options);
          const result = await executeErasure(stores, plan, erase, options);
          // The log names the user only by its keyed hash.
          log.info('erasure finished', {
            tenant: plan.tenant,
            subject: plan.subjectHash,
            jobId: result.jobId,
            status: result.status,
            by: principal.keyId,
          });
          return erasureReport(plan, { maxRecords, dryRun: false, result });
        } catch (error) {
          throw toHttpError(error);
        } finally {
          running.delete(lock);
          state.inFlight -= 1;
        }
      },
    },
    {
      method: 'POST',
      url: '/v1/admin/erase/holds',
      summary: "Place (or update) a legal hold on a user of the admin key's tenant: erasure refuses the user",
      auth: true,
      schema: {
        body: {
          type: 'object',
          required: ['subject', 'reason'],
          additionalProperties: false,
          properties: {
            subject: SUBJECT,
            reason: {
              type: 'string',
              minLength: 1,
              maxLength: 1024,
              description: 'a case or ticket reference',
            },
            allowPatternCharacters: ALLOW_PATTERN_CHARACTERS,
          },
        },
      },
      responses: { '200': { description: 'the hold', schema: HOLD }, ...ADMIN_ERRORS },
      handler: async (request) => {
        const principal = requireAdmin(request, 'POST /v1/admin/erase/holds');
        const body = request.body as { subject: string; reason: string; allowPatternCharacters?: boolean };
        const hold = await placeLegalHold(stores.records, {
          tenant: principal.tenant,
          subject: body.subject,
          reason: body.reason,
          by: actor(principal),
          allowPatternCharacters: body.allowPatternCharacters,
        });
        return {
          tenant: hold.tenant,
          subject: hold.subject,
          reason: hold.reason,
          placedBy: hold.placedBy,
          placedAt: hold.placedAt.toISOString(),
        };
      },
    },
    {
      method: 'DELETE',
      url: '/v1/admin/erase/holds/:subject',
      summary: "Release a legal hold on a user of the admin key's tenant",
      auth: true,
      schema: {
        params: { type: 'object', required: ['subject'], properties: { subject: SUBJECT } },
        querystring: {
          type: 'object',
          properties: {
            allowPatternCharacters: {
              enum: ['true', 'false'],
              description: 'accept ids containing * ? [ ] { } % \\',
            },
          },
        },
      },
      responses: {
        '200': { description: 'the released hold', schema: HOLD },
        ...ADMIN_ERRORS,
        '404': { description: 'the user has no legal hold', schema: ERROR },
      },
      handler: async (request) => {
        const principal = requireAdmin(request, 'DELETE /v1/admin/erase/holds/{subject}');
        const { subject } = request.params as { subject: string };
        const query = request.query as { allowPatternCharacters?: 'true' | 'false' };
        const hold = await releaseLegalHold(stores.records, {
          tenant: principal.tenant,
          subject,
          by: actor(principal),
          allowPatternCharacters: query.allowPatternCharacters === 'true',
        });
        if (!hold) {
          throw new HttpError(
            404,
            'NOT_FOUND',
            'the user has no legal hold in this tenant',
            'Nothing to release; check the user id (exact, URL-encoded).',
          );
        }
        return {
          tenant: hold.tenant,
          subject: hold.subject,
          reason: hold.reason,
          placedBy: hold.placedBy,
          placedAt: hold.placedAt.toISOString(),
        };
      },
    },
  ];
}

/** The request's principal when its key is an admin key; 403 otherwise. */
function requireAdmin(request: FastifyRequest, route: string): Principal {
  const principal = principalOf(request);
  if (!principal.admin) {
    throw new HttpError(
      403,
      'FORBIDDEN',
      `${route} needs an admin API key; key ${principal.keyId} is not one`,
      'Use an admin key of the tenant (create one with `somaagent keys create --tenant T --subject S --admin`).',
    );
  }
  return principal;
}
