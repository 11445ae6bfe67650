import { commitChange } from "../../lib/change-batch";
import type { UserContext } from "../../lib/context";
import type { ErasureSubject } from "../../lib/erasure";
import { nowIso } from "../../lib/ids";
import { AppError } from "../../lib/problem";
import { archiveErasure } from "../archive";
import { assetErasure } from "../assets";
import { auditErasure } from "../audit";
import { authErasure } from "../auth";
import { commentErasure } from "../comments";
import { customerErasure, findVisibleCustomer } from "../customers";
import { jobErasure } from "../jobs";
import { maintenanceErasure } from "../maintenance";
import { notificationErasure } from "../notifications";
import { platformErasure } from "../platform";
import { schedulingErasure } from "../scheduling";
import { contractErasure } from "../service-contracts";
import { ticketErasure } from "../tickets";
import { uploadErasure } from "../uploads";
import { userErasure } from "../users";

/** Strings shorter than this are not cut out of free text (they would match ordinary words). */
const MIN_VALUE = 4;

/**
 * Erasure of one customer: refused while a ticket of theirs is open; otherwise every module's
 * statements for the customer, their account and their tickets, and the audit entry, in one
 * batch — nothing is half erased. Files (uploads, earlier exports) are deleted from R2 after it
 * committed; a file left by a crash there is unreachable (its row is gone) and the uploads'
 * daily clean-up does not know it, so the count is answered and logged.
 */
export async function eraseCustomer(ctx: UserContext, customerId: string, reason: string) {
  const customer = await findVisibleCustomer(ctx, customerId);
  const db = ctx.env.DB;
  const [open, tickets, account] = await db.batch<Record<string, string | null>>([
    db
      .prepare("SELECT number FROM tickets WHERE customer_id = ? AND status NOT IN ('closed', 'cancelled') LIMIT 20")
      .bind(customerId),
    db.prepare("SELECT id FROM tickets WHERE customer_id = ?").bind(customerId),
    db
      .prepare("SELECT username, email, phone, whatsapp, first_name, last_name, address FROM users WHERE id = ?")
      .bind(customer.userId ?? ""),
  ]);
  if (open.results.length)
    throw new AppError("conflict", "The customer has open tickets; close or cancel them first.", {
      errors: open.results.map((t) => ({ path: "tickets", message: `${t.number} is open` })),
    });
  const user = account.results[0] ?? {};
  const now = nowIso();
  const values = [
    ...new Set(
      [
        customer.fullName,
        customer.phone,
        customer.email,
        customer.whatsapp,
        customer.nationalId,
        customer.accountNumber,
        customer.address,
        ...Object.values(user),
      ].filter((v): v is string => typeof v === "string" && v.trim().length >= MIN_VALUE),
    ),
  ];
  const subject: ErasureSubject = {
    customerId,
    userId: customer.userId,
    values,
    now,
    since: customer.createdAt,
    marker: `[erased on ${now.slice(0, 10)}]`,
  };
  const ticketIds = tickets.results.map((t) => t.id as string);
  const [uploads, exports, archived] = await Promise.all([
    uploadErasure(db, subject),
    jobErasure(db, subject),
    archiveErasure(ctx, subject),
  ]);
  await commitChange(ctx, {
    statements: [
      // Text first (it still holds the values to cut out), then the rows that held them.
      ...ticketErasure(db, subject, ticketIds),
      ...schedulingErasure(db, subject),
      ...notificationErasure(db, subject),
      ...commentErasure(db, subject),
      ...maintenanceErasure(db, subject),
      ...contractErasure(db, subject),
      ...platformErasure(db, subject),
      ...authErasure(db, subject),
      ...auditErasure(db, subject),
      ...uploads.statements,
      ...exports.statements,
      ...archived.statements,
      ...assetErasure(db, subject),
      ...userErasure(db, subject),
      ...customerErasure(db, subject),
    ],
    audit: [
      {
        action: "customer.erased",
        targetType: "customer",
        targetId: customerId,
        after: { reason, tickets: ticketIds.length, uploads: uploads.keys.length },
      },
    ],
  });
  await Promise.all([
    ...uploads.keys.map((key) => ctx.env.FILES.delete(key)),
    archived.finish(),
    ...exports.prefixes.map(async (prefix) => {
      const listed = await ctx.env.FILES.list({ prefix });
      await Promise.all(listed.objects.map((o) => ctx.env.FILES.delete(o.key)));
    }),
  ]);
  return {
    customer_id: customerId,
    erased_at: now,
    tickets: ticketIds.length,
    uploads_deleted: uploads.keys.length,
    exports_deleted: exports.prefixes.length,
  };
}
