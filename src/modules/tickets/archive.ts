import { archivedTable } from "../../lib/archive";

/** The ticket and the rows that belong only to it: they move to the archive together (the archive module commits them). */
export const ticketArchive = [
  archivedTable("tickets", "id"),
  archivedTable("ticket_assignees", "ticket_id"),
  archivedTable("ticket_history", "ticket_id"),
  archivedTable("ticket_comments", "ticket_id"),
  archivedTable("ticket_attachments", "ticket_id"),
  archivedTable("work_logs", "ticket_id"),
  archivedTable("ticket_checklist_items", "ticket_id"),
  archivedTable("completion_codes", "ticket_id"),
  archivedTable("ticket_sla_periods", "ticket_id"),
];
