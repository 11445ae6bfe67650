CREATE TABLE `appointment_links` (
	`id` text PRIMARY KEY NOT NULL,
	`ticket_id` text NOT NULL,
	`token_hash` text NOT NULL,
	`expires_at` text NOT NULL,
	`created_by` text NOT NULL,
	`revoked_at` text,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `appointment_links_hash_unique` ON `appointment_links` (`token_hash`);--> statement-breakpoint
CREATE INDEX `appointment_links_ticket_idx` ON `appointment_links` (`ticket_id`);--> statement-breakpoint
CREATE TABLE `appointments` (
	`id` text PRIMARY KEY NOT NULL,
	`ticket_id` text NOT NULL,
	`technician_id` text NOT NULL,
	`date` text NOT NULL,
	`start_time` text NOT NULL,
	`end_time` text NOT NULL,
	`timezone` text NOT NULL,
	`starts_at` text NOT NULL,
	`ends_at` text NOT NULL,
	`duration_minutes` integer NOT NULL,
	`status` text NOT NULL,
	`confirmed` integer DEFAULT false NOT NULL,
	`scheduled_by` text,
	`scheduled_via` text NOT NULL,
	`lat` real,
	`lng` real,
	`address` text,
	`confirmed_at` text,
	`departed_at` text,
	`arrived_at` text,
	`started_at` text,
	`completed_at` text,
	`cancelled_at` text,
	`reminder_sent_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `appointments_ticket_idx` ON `appointments` (`ticket_id`);--> statement-breakpoint
CREATE INDEX `appointments_technician_idx` ON `appointments` (`technician_id`,`starts_at`);--> statement-breakpoint
CREATE INDEX `appointments_date_idx` ON `appointments` (`date`,`starts_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `appointments_live_start_unique` ON `appointments` (`technician_id`,`starts_at`) WHERE status <> 'cancelled';--> statement-breakpoint
CREATE UNIQUE INDEX `appointments_live_ticket_unique` ON `appointments` (`ticket_id`) WHERE status <> 'cancelled';--> statement-breakpoint
CREATE TABLE `attendance` (
	`user_id` text NOT NULL,
	`date` text NOT NULL,
	`status` text NOT NULL,
	`reason` text,
	`marked_by` text NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`user_id`, `date`)
);
--> statement-breakpoint
CREATE INDEX `attendance_date_idx` ON `attendance` (`date`,`status`);--> statement-breakpoint
CREATE TABLE `feedback` (
	`id` text PRIMARY KEY NOT NULL,
	`ticket_id` text NOT NULL,
	`appointment_id` text,
	`technician_id` text,
	`kind` text NOT NULL,
	`customer_satisfaction` integer,
	`customer_effort_score` integer,
	`contractor_identified` text,
	`branded_clothing` text,
	`speedtest_conducted` text,
	`extended` text,
	`net_promoter_score` integer,
	`service_rating` integer,
	`comment` text,
	`submitted_by` text,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `feedback_ticket_kind_unique` ON `feedback` (`ticket_id`,`kind`);--> statement-breakpoint
CREATE INDEX `feedback_technician_idx` ON `feedback` (`technician_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `feedback_created_idx` ON `feedback` (`created_at`);