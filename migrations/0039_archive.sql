CREATE TABLE `archive_months` (
	`month` text PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`job_id` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `archive_parts` (
	`key` text PRIMARY KEY NOT NULL,
	`month` text NOT NULL,
	`tickets` integer NOT NULL,
	`rows` integer NOT NULL,
	`bytes` integer NOT NULL,
	`sha256` text NOT NULL,
	`job_id` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `archive_parts_month_idx` ON `archive_parts` (`month`,`key`);--> statement-breakpoint
CREATE TABLE `archived_tickets` (
	`ticket_id` text PRIMARY KEY NOT NULL,
	`number` text NOT NULL,
	`kind` text NOT NULL,
	`status` text NOT NULL,
	`title` text NOT NULL,
	`customer_id` text,
	`created_by` text NOT NULL,
	`team_supervisor_id` text,
	`technician_ids` text DEFAULT '[]' NOT NULL,
	`created_at` text NOT NULL,
	`finished_at` text NOT NULL,
	`month` text NOT NULL,
	`part_key` text NOT NULL,
	`archived_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `archived_tickets_part_idx` ON `archived_tickets` (`part_key`);--> statement-breakpoint
CREATE INDEX `archived_tickets_customer_idx` ON `archived_tickets` (`customer_id`,`created_at`,`ticket_id`);--> statement-breakpoint
CREATE INDEX `tickets_finished_idx` ON `tickets` (coalesce(closed_at, cancelled_at),`id`) WHERE status IN ('closed', 'cancelled');