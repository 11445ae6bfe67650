CREATE TABLE `sla_policies` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`kinds` text,
	`service_category` text,
	`customer_id` text,
	`calendar_id` text,
	`targets` text NOT NULL,
	`warning_percent` integer DEFAULT 80 NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `sla_policies_name_idx` ON `sla_policies` (`name`,`id`);--> statement-breakpoint
CREATE INDEX `sla_policies_calendar_idx` ON `sla_policies` (`calendar_id`);--> statement-breakpoint
CREATE TABLE `ticket_sla_periods` (
	`id` text PRIMARY KEY NOT NULL,
	`ticket_id` text NOT NULL,
	`state` text NOT NULL,
	`reason` text NOT NULL,
	`calendar_id` text,
	`started_at` text NOT NULL,
	`ended_at` text NOT NULL,
	`working_minutes` real NOT NULL
);
--> statement-breakpoint
CREATE INDEX `ticket_sla_periods_ticket_idx` ON `ticket_sla_periods` (`ticket_id`,`started_at`);--> statement-breakpoint
ALTER TABLE `tickets` ADD `sla_pause_reason` text;--> statement-breakpoint
ALTER TABLE `tickets` ADD `sla_policy_id` text;--> statement-breakpoint
ALTER TABLE `tickets` ADD `sla_calendar_id` text;--> statement-breakpoint
ALTER TABLE `tickets` ADD `sla_response_minutes` integer;--> statement-breakpoint
ALTER TABLE `tickets` ADD `sla_resolution_minutes` integer;--> statement-breakpoint
ALTER TABLE `tickets` ADD `sla_warning_percent` integer DEFAULT 80 NOT NULL;--> statement-breakpoint
ALTER TABLE `tickets` ADD `sla_manual` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `tickets` ADD `sla_used_minutes` real DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `tickets` ADD `sla_clock_from` text;--> statement-breakpoint
ALTER TABLE `tickets` ADD `sla_revision` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `tickets` ADD `response_warning_at` text;--> statement-breakpoint
ALTER TABLE `tickets` ADD `resolution_warning_at` text;--> statement-breakpoint
ALTER TABLE `tickets` ADD `response_warned_at` text;--> statement-breakpoint
ALTER TABLE `tickets` ADD `resolution_warned_at` text;--> statement-breakpoint
CREATE INDEX `tickets_response_warning_idx` ON `tickets` (`response_warning_at`) WHERE response_warned_at IS NULL AND responded_at IS NULL;--> statement-breakpoint
CREATE INDEX `tickets_resolution_warning_idx` ON `tickets` (`resolution_warning_at`) WHERE resolution_warned_at IS NULL AND resolved_at IS NULL;--> statement-breakpoint
CREATE INDEX `tickets_sla_revision_idx` ON `tickets` (`sla_revision`) WHERE status IN ('new', 'opened', 'assigned', 'in_progress', 'on_hold');--> statement-breakpoint
-- Existing tickets keep their wall-clock targets: the 24×7 clock with the minutes they were given.
UPDATE `tickets` SET
  `sla_response_minutes` = CASE WHEN `response_due_at` IS NULL THEN NULL
    ELSE CAST(round((julianday(`response_due_at`) - julianday(`created_at`)) * 1440 - `sla_paused_seconds` / 60.0) AS INTEGER) END,
  `sla_resolution_minutes` = CASE WHEN `resolution_due_at` IS NULL THEN NULL
    ELSE CAST(round((julianday(`resolution_due_at`) - julianday(`created_at`)) * 1440 - `sla_paused_seconds` / 60.0) AS INTEGER) END,
  `sla_pause_reason` = CASE WHEN `sla_paused_at` IS NULL THEN NULL ELSE 'on_hold' END,
  `sla_used_minutes` = CASE WHEN `sla_paused_at` IS NULL THEN 0
    ELSE max(0, (julianday(`sla_paused_at`) - julianday(`created_at`)) * 1440 - `sla_paused_seconds` / 60.0) END,
  `sla_clock_from` = CASE
    WHEN `status` NOT IN ('new', 'opened', 'assigned', 'in_progress') OR `sla_paused_at` IS NOT NULL THEN NULL
    ELSE strftime('%Y-%m-%dT%H:%M:%fZ', `created_at`, '+' || `sla_paused_seconds` || ' seconds') END;
