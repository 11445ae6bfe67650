-- The reports module's published read model for other modules (the technicians list's summary):
-- views over the aggregates, so no other module names the aggregate tables; SQLite inlines them,
-- so the aggregates' indexes still answer.
CREATE VIEW `technician_daily_results` AS
  SELECT technician_id, day, completed, rated, rating_sum FROM report_daily WHERE technician_id <> '';
--> statement-breakpoint
CREATE VIEW `technician_open_work` AS
  SELECT technician_id, status, tickets FROM report_current
   WHERE technician_id <> '' AND status IN ('new', 'opened', 'assigned', 'in_progress', 'on_hold');
