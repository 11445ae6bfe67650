CREATE TABLE `report_current` (
	`technician_id` text NOT NULL,
	`team_id` text NOT NULL,
	`status` text NOT NULL,
	`priority` text NOT NULL,
	`tickets` integer DEFAULT 0 NOT NULL,
	`overdue` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`technician_id`, `team_id`, `status`, `priority`)
);
--> statement-breakpoint
CREATE TABLE `report_daily` (
	`day` text NOT NULL,
	`technician_id` text NOT NULL,
	`team_id` text NOT NULL,
	`priority` text NOT NULL,
	`created` integer DEFAULT 0 NOT NULL,
	`created_done` integer DEFAULT 0 NOT NULL,
	`created_cancelled` integer DEFAULT 0 NOT NULL,
	`completed` integer DEFAULT 0 NOT NULL,
	`resolve_seconds` integer DEFAULT 0 NOT NULL,
	`on_time` integer DEFAULT 0 NOT NULL,
	`on_time_of` integer DEFAULT 0 NOT NULL,
	`first_time_fixed` integer DEFAULT 0 NOT NULL,
	`rated` integer DEFAULT 0 NOT NULL,
	`rating_sum` integer DEFAULT 0 NOT NULL,
	`nps_count` integer DEFAULT 0 NOT NULL,
	`promoters` integer DEFAULT 0 NOT NULL,
	`detractors` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`technician_id`, `day`, `team_id`, `priority`)
);
--> statement-breakpoint
CREATE INDEX `report_daily_team_idx` ON `report_daily` (`team_id`,`technician_id`,`day`);--> statement-breakpoint
CREATE INDEX `report_daily_day_idx` ON `report_daily` (`day`,`technician_id`);--> statement-breakpoint
CREATE TABLE `report_ticket_facts` (
	`ticket_id` text NOT NULL,
	`technician_id` text NOT NULL,
	`team_id` text NOT NULL,
	`priority` text NOT NULL,
	`status` text NOT NULL,
	`created_day` text NOT NULL,
	`resolved_day` text,
	`overdue` integer DEFAULT 0 NOT NULL,
	`resolve_seconds` integer,
	`on_time` integer,
	`first_time_fix` integer,
	`rating` integer,
	`nps` integer,
	PRIMARY KEY(`ticket_id`, `technician_id`)
);
--> statement-breakpoint
CREATE TABLE `jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`status` text NOT NULL,
	`requested_by` text,
	`params` text DEFAULT '{}' NOT NULL,
	`state` text DEFAULT '{}' NOT NULL,
	`step` integer DEFAULT 0 NOT NULL,
	`rows_total` integer,
	`rows_processed` integer DEFAULT 0 NOT NULL,
	`result_key` text,
	`result_filename` text,
	`result_content_type` text,
	`result_bytes` integer,
	`error` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`finished_at` text
);
--> statement-breakpoint
CREATE INDEX `jobs_requester_idx` ON `jobs` (`requested_by`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `jobs_status_idx` ON `jobs` (`status`,`updated_at`);