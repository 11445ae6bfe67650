import { and, desc, eq } from "drizzle-orm";
import { maintenancePlans, tickets, workLogs } from "../../db/schema";
import type { ServiceContext } from "../../lib/context";
import { nowIso } from "../../lib/ids";
import type { DomainEventMessage } from "../../lib/messages";
import { todayIn } from "../../lib/time";
import { type PlanRow, pointerFrom } from "./maintenance.service";

/**
 * PM-1: a work log's "next service date" (the appliance CRM's `next_service_date`) becomes a
 * one-off occurrence on the card: a plan of one visit on that date, raised like any other by the
 * generator. Its template is the card's active plan's, else the ticket's own; with neither (or no
 * card) nothing is planned. Keyed by the work log, so a redelivered event plans nothing twice.
 */
export async function planNextService(ctx: ServiceContext, event: DomainEventMessage) {
  if (event.type !== "ticket.work_logged") return { planned: false };
  const workLogId = String(event.data.work_log_id ?? "");
  const [logs, subjects] = await ctx.db.batch([
    ctx.db.select().from(workLogs).where(eq(workLogs.id, workLogId)),
    ctx.db
      .select({ customerId: tickets.customerId, assetId: tickets.assetId, templateId: tickets.templateId })
      .from(tickets)
      .where(eq(tickets.id, event.subject_id)),
  ]);
  const log = logs[0];
  const ticket = subjects[0];
  if (!log?.nextServiceDate || !ticket?.assetId || !ticket.customerId) return { planned: false };
  const cardPlan = await ctx.db.query.maintenancePlans.findFirst({
    where: and(eq(maintenancePlans.assetId, ticket.assetId), eq(maintenancePlans.status, "active")),
    orderBy: desc(maintenancePlans.createdAt),
  });
  const templateId = cardPlan?.templateId ?? ticket.templateId;
  if (!templateId) return { planned: false };
  const timeZone = cardPlan?.timeZone ?? ctx.settings.timeZone;
  if (log.nextServiceDate < todayIn(timeZone)) return { planned: false };
  const now = nowIso();
  const row: PlanRow = {
    id: `mpl_next_${workLogId}`,
    name: `Next service (from work log ${workLogId})`,
    customerId: ticket.customerId,
    assetId: ticket.assetId,
    templateId,
    rrule: "FREQ=DAILY",
    timeZone,
    startDate: log.nextServiceDate,
    startTime: cardPlan?.startTime ?? "09:00",
    endDate: null,
    count: 1,
    leadDays: cardPlan?.leadDays ?? 14,
    holidayRule: cardPlan?.holidayRule ?? "next_working_day",
    calendarId: cardPlan?.calendarId ?? null,
    priority: cardPlan?.priority ?? "medium",
    sendBookingLink: cardPlan?.sendBookingLink ?? false,
    bookingWindowDays: cardPlan?.bookingWindowDays ?? 7,
    status: "active",
    nextDate: null,
    nextRaiseAt: null,
    nextDueAt: null,
    createdBy: log.technicianId,
    createdAt: now,
    updatedAt: now,
  };
  Object.assign(row, pointerFrom(row, row.startDate));
  const inserted = await ctx.db
    .insert(maintenancePlans)
    .values(row)
    .onConflictDoNothing()
    .returning({ id: maintenancePlans.id });
  return { planned: inserted.length > 0, planId: row.id };
}
