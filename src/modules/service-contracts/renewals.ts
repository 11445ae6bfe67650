import { and, asc, eq, gte, lt, lte, ne, sql } from "drizzle-orm";
import { serviceContracts } from "../../db/schema";
import { commitChange, domainEvent } from "../../lib/change-batch";
import type { ServiceContext } from "../../lib/context";
import { nowIso } from "../../lib/ids";
import { addDays, todayIn } from "../../lib/time";
import { type ContractRow, nextTermEnd } from "./contracts.service";

const CHUNK = 50;
const ROUNDS = 20;

/**
 * PM-2's daily job: contracts on `auto` renewal whose end has passed run on for another term (as
 * many as it takes to reach today, after missed runs), and customers whose contract ends within
 * its `reminder_days` are told once per term. Each write is conditional on what was read (the end
 * date, or the end not yet reminded) and carries its audit entry or event in the same batch; the
 * event id derives from the contract and the end date, so a second run sends nothing again.
 */
export async function renewServiceContracts(ctx: ServiceContext, scheduledTime: number) {
  const today = todayIn(ctx.settings.timeZone, new Date(scheduledTime));
  let renewed = 0;
  let reminded = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const due = await ctx.db
      .select()
      .from(serviceContracts)
      .where(
        and(
          eq(serviceContracts.status, "active"),
          lt(serviceContracts.endsOn, today),
          eq(serviceContracts.renewal, "auto"),
        ),
      )
      .orderBy(asc(serviceContracts.endsOn), asc(serviceContracts.id))
      .limit(CHUNK);
    for (const c of due) if (await renew(ctx, c, today)) renewed++;
    if (due.length < CHUNK) break;
  }
  // Reminders: the widest lead is 90 days; each contract's own lead is checked on the rows.
  let after: { endsOn: string; id: string } | null = null;
  for (let round = 0; round < ROUNDS; round++) {
    const ending: ContractRow[] = await ctx.db
      .select()
      .from(serviceContracts)
      .where(
        and(
          eq(serviceContracts.status, "active"),
          gte(serviceContracts.endsOn, today),
          lte(serviceContracts.endsOn, addDays(today, 90)),
          ne(serviceContracts.renewal, "none"),
          after
            ? sql`(${serviceContracts.endsOn}, ${serviceContracts.id}) > (${after.endsOn}, ${after.id})`
            : undefined,
        ),
      )
      .orderBy(asc(serviceContracts.endsOn), asc(serviceContracts.id))
      .limit(CHUNK * 4);
    for (const c of ending) {
      if (c.remindedFor === c.endsOn || c.reminderDays === 0 || c.endsOn > addDays(today, c.reminderDays)) continue;
      if (c.startsOn > today) continue;
      if (await remind(ctx, c)) reminded++;
    }
    const last = ending[ending.length - 1];
    if (!last || ending.length < CHUNK * 4) break;
    after = { endsOn: last.endsOn, id: last.id };
  }
  return { renewed, reminded };
}

async function renew(ctx: ServiceContext, c: ContractRow, today: string) {
  let endsOn = c.endsOn;
  let terms = 0;
  while (endsOn < today && terms < 100) {
    endsOn = nextTermEnd(endsOn, c.termMonths);
    terms++;
  }
  const updatedAt = nowIso();
  const { won } = await commitChange(
    ctx,
    {
      statements: [
        ctx.env.DB.prepare(
          `UPDATE service_contracts SET ends_on = ?1, renewals = renewals + ?2, updated_at = ?3
            WHERE id = ?4 AND ends_on = ?5 AND status = 'active' AND renewal = 'auto'`,
        ).bind(endsOn, terms, updatedAt, c.id, c.endsOn),
      ],
      guard: {
        sql: "EXISTS (SELECT 1 FROM service_contracts WHERE id = ? AND updated_at = ? AND ends_on = ?)",
        params: [c.id, updatedAt, endsOn],
      },
      audit: [
        {
          action: "service_contract.renewed",
          targetType: "service_contract",
          targetId: c.id,
          before: { ends_on: c.endsOn },
          after: { ends_on: endsOn, terms, automatic: true },
        },
      ],
    },
    (results) => Boolean(results[0]?.meta.changes),
  );
  return won;
}

async function remind(ctx: ServiceContext, c: ContractRow) {
  const event = domainEvent(
    {
      type: "service_contract.ending",
      data: {
        contract_id: c.id,
        customer_id: c.customerId,
        name: c.name,
        ends_on: c.endsOn,
        will_renew: c.renewal === "auto",
      },
    },
    c.id,
    null,
    `evt_contract_ending_${c.id}_${c.endsOn}`,
  );
  const { won } = await commitChange(
    ctx,
    {
      statements: [
        ctx.env.DB.prepare(
          `UPDATE service_contracts SET reminded_for = ends_on
            WHERE id = ?1 AND ends_on = ?2 AND status = 'active' AND reminded_for IS NOT ends_on`,
        ).bind(c.id, c.endsOn),
      ],
      events: [
        {
          event,
          when: {
            sql: "EXISTS (SELECT 1 FROM service_contracts WHERE id = ? AND reminded_for = ?)",
            params: [c.id, c.endsOn],
          },
        },
      ],
    },
    (results) => Boolean(results[0]?.meta.changes),
  );
  return won;
}
