import { sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const APPOINTMENT_STATUSES = [
  "scheduled",
  "confirmed",
  "en_route",
  "on_site",
  "in_progress",
  "completed",
  "cancelled",
] as const;
export type AppointmentStatus = (typeof APPOINTMENT_STATUSES)[number];

/** D1's copy of the bookings that each TechnicianSchedule object owns (SCH-2, SCH-3). */
export const appointments = sqliteTable(
  "appointments",
  {
    id: text("id").primaryKey(),
    ticketId: text("ticket_id").notNull(),
    technicianId: text("technician_id").notNull(),
    /** Local calendar date and wall-clock times in `timezone`. */
    date: text("date").notNull(),
    startTime: text("start_time").notNull(),
    endTime: text("end_time").notNull(),
    timezone: text("timezone").notNull(),
    startsAt: text("starts_at").notNull(),
    endsAt: text("ends_at").notNull(),
    durationMinutes: integer("duration_minutes").notNull(),
    /** The arrival window the customer booked (DSP-5; ARRIVAL_WINDOWS); null: the exact time was promised. */
    windowStartsAt: text("window_starts_at"),
    windowEndsAt: text("window_ends_at"),
    status: text("status", { enum: APPOINTMENT_STATUSES }).notNull(),
    confirmed: integer("confirmed", { mode: "boolean" }).notNull().default(false),
    scheduledBy: text("scheduled_by"),
    scheduledVia: text("scheduled_via", { enum: ["staff", "link"] }).notNull(),
    lat: real("lat"),
    lng: real("lng"),
    address: text("address"),
    confirmedAt: text("confirmed_at"),
    departedAt: text("departed_at"),
    arrivedAt: text("arrived_at"),
    startedAt: text("started_at"),
    completedAt: text("completed_at"),
    cancelledAt: text("cancelled_at"),
    /** The reminder a lead time before the visit (REMINDER_LEAD_MINUTES). */
    reminderSentAt: text("reminder_sent_at"),
    /** The reminder the evening before the visit (REMINDER_EVENING_TIME). */
    eveningReminderSentAt: text("evening_reminder_sent_at"),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    index("appointments_ticket_idx").on(t.ticketId),
    index("appointments_technician_idx").on(t.technicianId, t.startsAt),
    index("appointments_date_idx").on(t.date, t.startsAt),
    // Backstop behind the Durable Object: two live bookings can never share a start.
    uniqueIndex("appointments_live_start_unique").on(t.technicianId, t.startsAt).where(sql`status <> 'cancelled'`),
    // A ticket has at most one live appointment.
    uniqueIndex("appointments_live_ticket_unique").on(t.ticketId).where(sql`status <> 'cancelled'`),
  ],
);

/**
 * Slot holds (DSP-2): a slot kept for one ticket while its customer (or an integrator) confirms.
 * The technician's schedule object is what makes a hold busy for others; this row finds it again
 * (by id, or the link's one live hold) and records how it ended.
 */
export const slotHolds = sqliteTable(
  "slot_holds",
  {
    id: text("id").primaryKey(),
    ticketId: text("ticket_id").notNull(),
    /** The customer link that holds it, when one does (one live hold per link). */
    linkId: text("link_id"),
    technicianId: text("technician_id").notNull(),
    date: text("date").notNull(),
    startTime: text("start_time").notNull(),
    durationMinutes: integer("duration_minutes").notNull(),
    expiresAt: text("expires_at").notNull(),
    status: text("status", { enum: ["held", "booked", "released"] }).notNull(),
    /** Why the pool rule put this technician on it (null for a ticket's own technician). */
    reason: text("reason"),
    createdAt: text("created_at").notNull(),
  },
  (t) => [index("slot_holds_link_idx").on(t.linkId, t.status), index("slot_holds_ticket_idx").on(t.ticketId, t.status)],
);

/** Customer appointment links (SCH-4): the token is only ever stored hashed. */
export const appointmentLinks = sqliteTable(
  "appointment_links",
  {
    id: text("id").primaryKey(),
    ticketId: text("ticket_id").notNull(),
    tokenHash: text("token_hash").notNull(),
    expiresAt: text("expires_at").notNull(),
    createdBy: text("created_by").notNull(),
    /** The phone the link was texted to: a renewal goes there and nowhere else. */
    sentTo: text("sent_to"),
    /** Local dates the customer may book between (a planned visit's window); null: today to the booking horizon. */
    earliestDate: text("earliest_date"),
    latestDate: text("latest_date"),
    revokedAt: text("revoked_at"),
    createdAt: text("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("appointment_links_hash_unique").on(t.tokenHash),
    index("appointment_links_ticket_idx").on(t.ticketId),
  ],
);

export const FEEDBACK_KINDS = ["technician", "service", "rating"] as const;

/** FB-1 token feedback (technician, service) and FB-2 signed-in ratings; one of each per ticket. */
export const feedback = sqliteTable(
  "feedback",
  {
    id: text("id").primaryKey(),
    ticketId: text("ticket_id").notNull(),
    appointmentId: text("appointment_id"),
    technicianId: text("technician_id"),
    kind: text("kind", { enum: FEEDBACK_KINDS }).notNull(),
    customerSatisfaction: integer("customer_satisfaction"),
    customerEffortScore: integer("customer_effort_score"),
    contractorIdentified: text("contractor_identified"),
    brandedClothing: text("branded_clothing"),
    speedtestConducted: text("speedtest_conducted"),
    extended: text("extended"),
    netPromoterScore: integer("net_promoter_score"),
    serviceRating: integer("service_rating"),
    comment: text("comment"),
    submittedBy: text("submitted_by"),
    createdAt: text("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("feedback_ticket_kind_unique").on(t.ticketId, t.kind),
    index("feedback_technician_idx").on(t.technicianId, t.createdAt),
    index("feedback_created_idx").on(t.createdAt),
  ],
);

/** FW-4 attendance: one mark per person per day. */
export const attendance = sqliteTable(
  "attendance",
  {
    userId: text("user_id").notNull(),
    date: text("date").notNull(),
    status: text("status", { enum: ["present", "absent"] }).notNull(),
    reason: text("reason"),
    markedBy: text("marked_by").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.date] }), index("attendance_date_idx").on(t.date, t.status)],
);
