import { archivedTable } from "../../lib/archive";

/** A closed ticket's visits, links, holds and feedback move to the archive with it (report figures stay in the aggregates). */
export const schedulingArchive = [
  archivedTable("appointments", "ticket_id"),
  archivedTable("appointment_links", "ticket_id"),
  archivedTable("slot_holds", "ticket_id"),
  archivedTable("feedback", "ticket_id"),
];
