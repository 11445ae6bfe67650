CREATE TABLE `maintenance_occurrences` (
	`id` text PRIMARY KEY NOT NULL,
	`plan_id` text NOT NULL,
	`occurrence_date` text NOT NULL,
	`due_at` text NOT NULL,
	`status` text NOT NULL,
	`ticket_id` text,
	`moved_from` text,
	`reason` text,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `maintenance_occurrences_key` ON `maintenance_occurrences` (`plan_id`,`occurrence_date`);--> statement-breakpoint
CREATE TABLE `maintenance_plans` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`customer_id` text NOT NULL,
	`asset_id` text,
	`template_id` text NOT NULL,
	`rrule` text NOT NULL,
	`time_zone` text NOT NULL,
	`start_date` text NOT NULL,
	`start_time` text NOT NULL,
	`end_date` text,
	`count` integer,
	`lead_days` integer NOT NULL,
	`holiday_rule` text NOT NULL,
	`calendar_id` text,
	`priority` text NOT NULL,
	`status` text NOT NULL,
	`next_date` text,
	`next_raise_at` text,
	`created_by` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `maintenance_plans_due_idx` ON `maintenance_plans` (`status`,`next_raise_at`);--> statement-breakpoint
CREATE INDEX `maintenance_plans_customer_idx` ON `maintenance_plans` (`customer_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `maintenance_plans_asset_idx` ON `maintenance_plans` (`asset_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `maintenance_plans_created_idx` ON `maintenance_plans` (`created_at`);