CREATE TABLE `service_contracts` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`customer_id` text NOT NULL,
	`asset_ids` text,
	`starts_on` text NOT NULL,
	`ends_on` text NOT NULL,
	`visits_per_period` integer,
	`period_months` integer NOT NULL,
	`charge` text NOT NULL,
	`renewal` text NOT NULL,
	`term_months` integer NOT NULL,
	`reminder_days` integer NOT NULL,
	`reminded_for` text,
	`renewals` integer DEFAULT 0 NOT NULL,
	`status` text NOT NULL,
	`notes` text,
	`created_by` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `service_contracts_customer_idx` ON `service_contracts` (`customer_id`,`ends_on`);--> statement-breakpoint
CREATE INDEX `service_contracts_ends_idx` ON `service_contracts` (`status`,`ends_on`,`id`);--> statement-breakpoint
CREATE INDEX `service_contracts_created_idx` ON `service_contracts` (`created_at`,`id`);--> statement-breakpoint
ALTER TABLE `tickets` ADD `contract_id` text;--> statement-breakpoint
CREATE INDEX `tickets_contract_idx` ON `tickets` (`contract_id`,`preferred_at`);--> statement-breakpoint
ALTER TABLE `appointment_links` ADD `earliest_date` text;--> statement-breakpoint
ALTER TABLE `appointment_links` ADD `latest_date` text;--> statement-breakpoint
ALTER TABLE `maintenance_occurrences` ADD `link_state` text;--> statement-breakpoint
CREATE INDEX `maintenance_occurrences_due_idx` ON `maintenance_occurrences` (`due_at`);--> statement-breakpoint
CREATE INDEX `maintenance_occurrences_link_idx` ON `maintenance_occurrences` (`created_at`) WHERE link_state = 'pending';--> statement-breakpoint
ALTER TABLE `maintenance_plans` ADD `send_booking_link` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `maintenance_plans` ADD `booking_window_days` integer DEFAULT 7 NOT NULL;--> statement-breakpoint
ALTER TABLE `maintenance_plans` ADD `next_due_at` text;--> statement-breakpoint
CREATE INDEX `maintenance_plans_next_due_idx` ON `maintenance_plans` (`status`,`next_due_at`,`id`);--> statement-breakpoint
-- Plans made before: their due time is their raise time plus the lead time.
UPDATE `maintenance_plans` SET `next_due_at` = strftime('%Y-%m-%dT%H:%M:%fZ', `next_raise_at`, '+' || `lead_days` || ' days') WHERE `next_raise_at` IS NOT NULL;
