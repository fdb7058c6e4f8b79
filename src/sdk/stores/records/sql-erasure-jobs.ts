import { randomUUID } from 'node:crypto';
import { InvalidInputError, NotFoundError } from '../../errors.js';
import { checkId } from '../ids.js';
import type { SqlClient } from '../sql/sql-client.js';
import {
  ERASURE_TRANSITIONS,
  type ErasureJob,
  type ErasureJobState,
  type ErasureJobs,
  type ErasureStepStatus,
  type ErasureStepUpdate,
  type NewErasureJob,
  OPEN_ERASURE_STATES,
} from './erasure-jobs.js';
import { checkJsonObject, checkText, checkUuid, toDate } from './sql-helpers.js';

interface StoredStep {
  status: ErasureStepStatus;
  count: number | null;
  error: string | null;
  updatedAt: string | null;
}

interface JobRow {
  id: string;
  tenant_id: string;
  subject_hash: string;
  plan_hash: string;
  state: ErasureJobState;
  steps: Record<string, StoredStep>;
  step_order: string[];
  plan: Record<string, unknown> | null;
  error: string | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS =
  'id::text AS id, tenant_id, subject_hash, plan_hash, state, steps, step_order, plan, error, created_at, updated_at';
const STEP = /^[a-z][a-z0-9._-]{0,63}$/;
const STEP_STATUSES: readonly ErasureStepStatus[] = ['pending', 'running', 'done', 'failed', 'skipped'];
const MAX_ERROR_BYTES = 4096;
const MAX_STEPS = 100;
const MAX_PLAN_BYTES = 64 * 1024;

function toJob(row: JobRow): ErasureJob {
  return {
    id: row.id,
    tenant: row.tenant_id,
    subjectHash: row.subject_hash,
    planHash: row.plan_hash,
    state: row.state,
    steps: row.step_order.map((name) => {
      const step = row.steps[name] as StoredStep;
      return {
        name,
        status: step.status,
        count: step.count,
        error: step.error,
        updatedAt: step.updatedAt === null ? null : new Date(step.updatedAt),
      };
    }),
    plan: row.plan ?? null,
    error: row.error,
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  };
}

function checkStepName(step: unknown): string {
  if (typeof step !== 'string' || !STEP.test(step)) {
    throw new InvalidInputError(`erasure step name ${JSON.stringify(step)?.slice(0, 80)} is invalid`, {
      hint: 'Use lowercase letters, digits, . _ - starting with a letter, at most 64 characters (e.g. sessions).',
    });
  }
  return step;
}

/** {@link ErasureJobs} over PGlite or a Postgres server (table `soma_erasure_jobs`, migration 0001). */
export class SqlErasureJobs implements ErasureJobs {
  constructor(private readonly client: SqlClient) {}

  async create(job: NewErasureJob): Promise<ErasureJob> {
    if (typeof job !== 'object' || job === null) throw new InvalidInputError('erasure job must be an object');
    const tenant = checkId('tenant', job.tenant);
    const subjectHash = checkId('subject hash', job.subjectHash);
    const planHash = checkId('plan hash', job.planHash);
    if (!Array.isArray(job.steps) || job.steps.length === 0 || job.steps.length > MAX_STEPS) {
      throw new InvalidInputError(`erasure job steps must be a list of 1 to ${MAX_STEPS} step names`);
    }
    const names = job.steps.map(checkStepName);
    if (new Set(names).size !== names.length)
      throw new InvalidInputError('erasure job steps list a step twice');
    const steps = Object.fromEntries(
      names.map((name): [string, StoredStep] => [
        name,
        { status: 'pending', count: null, error: null, updatedAt: null },
      ]),
    );
    const plan =
      job.plan === undefined ? null : checkJsonObject('erasure job plan', job.plan, MAX_PLAN_BYTES);
    const { rows } = await this.client.query<JobRow>(
      `INSERT INTO soma_erasure_jobs (id, tenant_id, subject_hash, plan_hash, state, steps, step_order, plan)
       VALUES ($1::uuid, $2, $3, $4, 'planned', $5::jsonb, $6::jsonb, $7::jsonb)
       ON CONFLICT DO NOTHING RETURNING ${COLUMNS}`,
      [randomUUID(), tenant, subjectHash, planHash, JSON.stringify(steps), JSON.stringify(names), plan],
    );
    if (rows[0]) return toJob(rows[0]);
    const open = await this.findOpen(tenant, subjectHash);
    throw new InvalidInputError(
      `an erasure job for this subject is already open (${open?.id ?? 'unknown'}, ${open?.state ?? '?'})`,
      {
        hint: 'Resume the open job, or cancel it before planning a new one.',
        details: { jobId: open?.id, state: open?.state },
      },
    );
  }

  async get(id: string): Promise<ErasureJob | undefined> {
    const { rows } = await this.client.query<JobRow>(
      `SELECT ${COLUMNS} FROM soma_erasure_jobs WHERE id = $1::uuid`,
      [checkUuid('erasure job id', id)],
    );
    return rows[0] ? toJob(rows[0]) : undefined;
  }

  async findOpen(tenant: string, subjectHash: string): Promise<ErasureJob | undefined> {
    const { rows } = await this.client.query<JobRow>(
      `SELECT ${COLUMNS} FROM soma_erasure_jobs
        WHERE tenant_id = $1 AND subject_hash = $2 AND state = ANY($3::text[])
        ORDER BY created_at DESC LIMIT 1`,
      [checkId('tenant', tenant), checkId('subject hash', subjectHash), OPEN_ERASURE_STATES],
    );
    return rows[0] ? toJob(rows[0]) : undefined;
  }

  async updateStep(id: string, step: string, update: ErasureStepUpdate): Promise<ErasureJob> {
    checkUuid('erasure job id', id);
    checkStepName(step);
    if (typeof update !== 'object' || update === null || !STEP_STATUSES.includes(update.status)) {
      throw new InvalidInputError(`erasure step status must be one of ${STEP_STATUSES.join(', ')}`);
    }
    if (update.count !== undefined && (!Number.isSafeInteger(update.count) || update.count < 0)) {
      throw new InvalidInputError('erasure step count must be a non-negative integer');
    }
    const stored: StoredStep = {
      status: update.status,
      count: update.count ?? null,
      error:
        update.error === undefined ? null : checkText('erasure step error', update.error, MAX_ERROR_BYTES),
      updatedAt: new Date().toISOString(),
    };
    // One statement, so concurrent step updates of one job never lose each other's writes.
    const { rows } = await this.client.query<JobRow>(
      `UPDATE soma_erasure_jobs
          SET steps = jsonb_set(steps, ARRAY[$2::text], $3::jsonb),
              state = CASE WHEN state IN ('planned', 'failed') THEN 'running' ELSE state END,
              error = CASE WHEN state = 'failed' THEN NULL ELSE error END,
              updated_at = now()
        WHERE id = $1::uuid AND steps -> $2::text IS NOT NULL AND state IN ('planned', 'running', 'failed')
          AND (steps -> $2::text ->> 'status' IS DISTINCT FROM 'done' OR $4::text = 'done')
        RETURNING ${COLUMNS}`,
      [id, step, JSON.stringify(stored), update.status],
    );
    if (rows[0]) return toJob(rows[0]);
    const job = await this.get(id);
    if (!job) throw notFound(id);
    if (!['planned', 'running', 'failed'].includes(job.state)) {
      throw new InvalidInputError(`erasure job ${id} is ${job.state}: its steps can no longer change`);
    }
    if (!job.steps.some((s) => s.name === step)) {
      throw new InvalidInputError(`erasure job ${id} has no step ${step}`, {
        details: { steps: job.steps.map((s) => s.name) },
      });
    }
    throw new InvalidInputError(`erasure step ${step} of job ${id} is already done`);
  }

  async setState(id: string, state: ErasureJobState, error?: string): Promise<ErasureJob> {
    checkUuid('erasure job id', id);
    if (!Object.hasOwn(ERASURE_TRANSITIONS, state)) {
      throw new InvalidInputError(
        `erasure job state must be one of ${Object.keys(ERASURE_TRANSITIONS).join(', ')}`,
      );
    }
    const from = (Object.keys(ERASURE_TRANSITIONS) as ErasureJobState[]).filter((s) =>
      ERASURE_TRANSITIONS[s].includes(state),
    );
    const kept =
      state === 'failed' && error !== undefined
        ? checkText('erasure job error', error, MAX_ERROR_BYTES)
        : null;
    const { rows } = await this.client.query<JobRow>(
      `UPDATE soma_erasure_jobs SET state = $2, error = $3, updated_at = now()
        WHERE id = $1::uuid AND state = ANY($4::text[]) RETURNING ${COLUMNS}`,
      [id, state, kept, from],
    );
    if (rows[0]) return toJob(rows[0]);
    const job = await this.get(id);
    if (!job) throw notFound(id);
    const allowed = ERASURE_TRANSITIONS[job.state];
    throw new InvalidInputError(`erasure job ${id} is ${job.state}: it cannot move to ${state}`, {
      hint: allowed.length
        ? `From ${job.state} it may move to ${allowed.join(' or ')}.`
        : `${job.state} is final.`,
    });
  }
}

function notFound(id: string): NotFoundError {
  return new NotFoundError(`erasure job ${id} does not exist`);
}
