import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/sdk/errors.js';
import type { NewAuditEntry } from '../../src/sdk/stores/records/audit-log.js';
import type { RecordsContext } from './records.contract.js';
import { BAD_IDS, LOOK_ALIKES } from './records.harness.js';

const tenantName = (label = 'acme') => `${label}-${randomBytes(4).toString('hex')}`;
const entry = (tenant: string, extra: Partial<NewAuditEntry> = {}): NewAuditEntry => ({
  tenant,
  actor: 'system',
  action: 'memory.write',
  resource: 'memory:1',
  ...extra,
});
const at = (iso: string) => new Date(iso);

/** AuditLog part of the records contract. */
export function auditContract(ctx: () => RecordsContext): void {
  describe('AuditLog', () => {
    it('appends an entry and returns it as stored', async () => {
      const { audit } = ctx().records;
      const tenant = tenantName();
      const stored = await audit.append(
        entry(tenant, {
          subject: 'alice',
          details: { turn: 3, tags: ['a'] },
          at: at('2024-05-01T10:00:00.123Z'),
        }),
      );
      expect(stored).toMatchObject({
        tenant,
        subject: 'alice',
        actor: 'system',
        action: 'memory.write',
        resource: 'memory:1',
        details: { turn: 3, tags: ['a'] },
      });
      expect(stored.id).toMatch(/^\d+$/);
      expect(stored.at.toISOString()).toBe('2024-05-01T10:00:00.123Z');
      expect((await audit.query({ tenant })).entries).toEqual([stored]);
      const noSubject = await audit.append(entry(tenant));
      expect(noSubject.subject).toBeNull();
      expect(noSubject.details).toEqual({});
      expect(Math.abs(noSubject.at.getTime() - Date.now())).toBeLessThan(60_000);
    });

    it('appendMany stores all entries in order with increasing ids', async () => {
      const { audit } = ctx().records;
      const tenant = tenantName();
      expect(await audit.appendMany([])).toEqual([]);
      const when = at('2024-01-01T00:00:00Z');
      const stored = await audit.appendMany(
        Array.from({ length: 12 }, (_, i) => entry(tenant, { resource: `r:${i}`, at: when })),
      );
      expect(stored.map((e) => e.resource)).toEqual(Array.from({ length: 12 }, (_, i) => `r:${i}`));
      const ids = stored.map((e) => BigInt(e.id));
      expect(ids.every((id, i) => i === 0 || id > (ids[i - 1] as bigint))).toBe(true);
      // One bad entry rejects the whole batch before anything is written.
      await expect(audit.appendMany([entry(tenant), entry(tenant, { actor: '' })])).rejects.toBeInstanceOf(
        InvalidInputError,
      );
      expect((await audit.query({ tenant, limit: 1000 })).entries).toHaveLength(12);
    });

    it('queries by subject, actor, action and a [from, to) time range', async () => {
      const { audit } = ctx().records;
      const tenant = tenantName();
      await audit.appendMany([
        entry(tenant, { subject: 'alice', action: 'a.read', at: at('2024-03-01T00:00:00Z') }),
        entry(tenant, { subject: 'bob', action: 'a.read', at: at('2024-03-02T00:00:00Z') }),
        entry(tenant, { subject: 'alice', action: 'a.write', actor: 'op-1', at: at('2024-03-03T00:00:00Z') }),
        entry(tenant, { subject: 'alice', action: 'a.read', at: at('2024-03-04T00:00:00Z') }),
      ]);
      const days = (q: Omit<Parameters<typeof audit.query>[0], 'tenant'>) =>
        audit.query({ tenant, ...q }).then((page) => page.entries.map((e) => e.at.getUTCDate()));
      expect(await days({})).toEqual([1, 2, 3, 4]);
      expect(await days({ subject: 'alice' })).toEqual([1, 3, 4]);
      expect(await days({ action: 'a.read' })).toEqual([1, 2, 4]);
      expect(await days({ actor: 'op-1' })).toEqual([3]);
      expect(await days({ from: at('2024-03-02T00:00:00Z'), to: at('2024-03-04T00:00:00Z') })).toEqual([
        2, 3,
      ]);
      expect(await days({ subject: 'alice', from: at('2024-03-02T00:00:00Z') })).toEqual([3, 4]);
      expect(await days({ subject: 'nobody' })).toEqual([]);
    });

    it('paginates with a cursor without gaps or repeats, also across equal timestamps', async () => {
      const { audit } = ctx().records;
      const tenant = tenantName();
      const same = at('2024-02-02T02:02:02.002Z');
      await audit.appendMany(
        Array.from({ length: 25 }, (_, i) =>
          entry(tenant, {
            resource: `r:${String(i).padStart(2, '0')}`,
            at: i % 3 === 0 ? same : at(`2024-02-0${1 + (i % 5)}T00:00:00Z`),
          }),
        ),
      );
      const all = (await audit.query({ tenant, limit: 1000 })).entries;
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await audit.query({ tenant, limit: 10, cursor });
        seen.push(...page.entries.map((e) => e.id));
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual(all.map((e) => e.id));
      expect(new Set(seen).size).toBe(25);
      const times = all.map((e) => e.at.getTime());
      expect(times).toEqual([...times].sort((a, b) => a - b));
      const exact = await audit.query({ tenant, limit: 25 });
      expect(exact.nextCursor).toBeUndefined();
      await expect(audit.query({ tenant, cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(InvalidInputError);
      for (const limit of [0, 1001, 1.5, -1]) {
        await expect(audit.query({ tenant, limit })).rejects.toBeInstanceOf(InvalidInputError);
      }
    });

    it('keeps tenants apart, look-alike tenant ids included', async () => {
      const { audit } = ctx().records;
      const base = tenantName();
      const tenants = [base, `${base}2`, base.toUpperCase(), `${base}%`, `${base}_`, `${base}*`];
      for (const tenant of tenants) await audit.append(entry(tenant, { resource: `of:${tenant}` }));
      for (const tenant of tenants) {
        expect((await audit.query({ tenant })).entries.map((e) => e.resource)).toEqual([`of:${tenant}`]);
      }
    });

    it('pseudonymises one subject (about and by them) and nothing else', async () => {
      const { audit } = ctx().records;
      const tenant = tenantName();
      const other = tenantName('other');
      for (const subject of ['alice', ...LOOK_ALIKES]) {
        await audit.append(entry(tenant, { subject, resource: `about:${subject}` }));
        await audit.append(entry(tenant, { actor: subject, resource: `by:${subject}` }));
      }
      await audit.append(entry(other, { subject: 'alice' }));
      expect(await audit.countBySubject(tenant, 'alice')).toBe(2);
      expect(await audit.pseudonymiseSubject(tenant, 'alice', 'pseudo-7f3a')).toBe(2);
      expect(await audit.countBySubject(tenant, 'alice')).toBe(0);
      expect(await audit.countBySubject(tenant, 'pseudo-7f3a')).toBe(2);
      const { entries } = await audit.query({ tenant, limit: 1000 });
      expect(entries.find((e) => e.resource === 'about:alice')?.subject).toBe('pseudo-7f3a');
      expect(entries.find((e) => e.resource === 'by:alice')?.actor).toBe('pseudo-7f3a');
      for (const lookAlike of LOOK_ALIKES) {
        expect(entries.find((e) => e.resource === `about:${lookAlike}`)?.subject).toBe(lookAlike);
        expect(entries.find((e) => e.resource === `by:${lookAlike}`)?.actor).toBe(lookAlike);
        expect(await audit.countBySubject(tenant, lookAlike)).toBe(2);
      }
      expect(await audit.countBySubject(other, 'alice')).toBe(1);
      expect(await audit.pseudonymiseSubject(tenant, 'alice', 'pseudo-7f3a')).toBe(0);
      await expect(audit.pseudonymiseSubject(tenant, 'bob', 'bob')).rejects.toBeInstanceOf(InvalidInputError);
    });

    it('is append-only in the database itself: other UPDATE and DELETE statements are refused', async () => {
      const { records, client } = ctx();
      const tenant = tenantName();
      await records.audit.append(entry(tenant, { subject: 'alice' }));
      await expect(
        client.query("UPDATE soma_audit_log SET action = 'forged' WHERE tenant_id = $1", [tenant]),
      ).rejects.toThrow(/append-only/);
      await expect(client.query('DELETE FROM soma_audit_log WHERE tenant_id = $1', [tenant])).rejects.toThrow(
        /append-only/,
      );
      expect((await records.audit.query({ tenant })).entries[0]?.action).toBe('memory.write');
    });

    it('purges entries older than a date, except subjects under a legal hold', async () => {
      const { audit, legalHolds } = ctx().records;
      const tenant = tenantName();
      await audit.purgeOlderThan(at('2010-01-01T00:00:00Z'));
      await audit.appendMany([
        entry(tenant, { resource: 'y2001', at: at('2001-01-01T00:00:00Z') }),
        entry(tenant, { resource: 'y2002', subject: 'held2', at: at('2002-01-01T00:00:00Z') }),
        entry(tenant, { resource: 'held', subject: 'held', at: at('2002-02-01T00:00:00Z') }),
        entry(tenant, { resource: 'y2005', at: at('2005-01-01T00:00:00Z') }),
      ]);
      await legalHolds.place(tenant, 'held', 'case 42', 'legal-team');
      expect((await audit.oldest())?.toISOString()).toBe('2001-01-01T00:00:00.000Z');
      expect(await audit.purgeOlderThan(at('2003-01-01T00:00:00Z'))).toBe(2);
      const left = async () => (await audit.query({ tenant })).entries.map((e) => e.resource);
      expect(await left()).toEqual(['held', 'y2005']);
      expect((await audit.oldest())?.toISOString()).toBe('2002-02-01T00:00:00.000Z');
      await legalHolds.release(tenant, 'held');
      expect(await audit.purgeOlderThan(at('2003-01-01T00:00:00Z'))).toBe(1);
      expect(await left()).toEqual(['y2005']);
      await expect(audit.purgeOlderThan(new Date('nope'))).rejects.toBeInstanceOf(InvalidInputError);
    });

    it('rejects malformed ids and entries with InvalidInputError', async () => {
      const { audit } = ctx().records;
      for (const bad of BAD_IDS) {
        for (const field of ['tenant', 'subject', 'actor', 'action', 'resource'] as const) {
          const value = field === 'subject' && bad === null ? undefined : bad;
          if (value === undefined) continue;
          await expect(audit.append(entry('acme', { [field]: value }))).rejects.toBeInstanceOf(
            InvalidInputError,
          );
        }
        await expect(audit.query({ tenant: bad as string })).rejects.toBeInstanceOf(InvalidInputError);
        await expect(audit.pseudonymiseSubject('acme', bad as string, 'p')).rejects.toBeInstanceOf(
          InvalidInputError,
        );
        await expect(audit.countBySubject(bad as string, 'alice')).rejects.toBeInstanceOf(InvalidInputError);
      }
      await expect(audit.append(entry('acme', { details: [] as never }))).rejects.toBeInstanceOf(
        InvalidInputError,
      );
      await expect(
        audit.append(entry('acme', { details: { big: 'x'.repeat(70_000) } })),
      ).rejects.toBeInstanceOf(InvalidInputError);
      await expect(audit.append(entry('acme', { at: new Date(Number.NaN) }))).rejects.toBeInstanceOf(
        InvalidInputError,
      );
    });
  });
}
