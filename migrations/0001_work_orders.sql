CREATE TABLE `domain_events` (
	`id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`subject_id` text NOT NULL,
	`actor_id` text,
	`data` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `domain_events_subject_idx` ON `domain_events` (`subject_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `idempotency_keys` (
	`key` text PRIMARY KEY NOT NULL,
	`request_hash` text NOT NULL,
	`status` integer,
	`response_body` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `idempotency_keys_created_idx` ON `idempotency_keys` (`created_at`);--> statement-breakpoint
CREATE TABLE `assets` (
	`id` text PRIMARY KEY NOT NULL,
	`customer_id` text NOT NULL,
	`model` text NOT NULL,
	`serial_number` text,
	`card_type` text DEFAULT 'normal' NOT NULL,
	`installed_on` text,
	`warranty_start` text,
	`warranty_end` text,
	`address` text DEFAULT '' NOT NULL,
	`city` text,
	`postal_code` text,
	`region` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`deleted_at` text,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `assets_customer_idx` ON `assets` (`customer_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `assets_created_idx` ON `assets` (`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `companies` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`registration_number` text,
	`contact_email` text,
	`contact_phone` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`deleted_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `companies_name_unique` ON `companies` (`name`);--> statement-breakpoint
CREATE TABLE `customers` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text,
	`full_name` text NOT NULL,
	`phone` text,
	`email` text,
	`national_id` text,
	`address` text DEFAULT '' NOT NULL,
	`lat` real,
	`lng` real,
	`service_area` text,
	`service_package` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`deleted_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `customers_user_unique` ON `customers` (`user_id`);--> statement-breakpoint
CREATE INDEX `customers_created_idx` ON `customers` (`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `customers_area_idx` ON `customers` (`service_area`,`created_at`);--> statement-breakpoint
CREATE INDEX `customers_phone_idx` ON `customers` (`phone`);--> statement-breakpoint
CREATE TABLE `technician_profiles` (
	`user_id` text PRIMARY KEY NOT NULL,
	`employee_id` text,
	`skills` text DEFAULT '[]' NOT NULL,
	`service_areas` text DEFAULT '[]' NOT NULL,
	`supervisor_id` text,
	`external_usernames` text DEFAULT '{}' NOT NULL,
	`is_available` integer DEFAULT true NOT NULL,
	`unavailable_reason` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `technician_profiles_employee_unique` ON `technician_profiles` (`employee_id`);--> statement-breakpoint
CREATE INDEX `technician_profiles_supervisor_idx` ON `technician_profiles` (`supervisor_id`);--> statement-breakpoint
CREATE TABLE `buckets` (
	`id` text PRIMARY KEY NOT NULL,
	`owner_id` text NOT NULL,
	`name` text NOT NULL,
	`filters` text DEFAULT '{}' NOT NULL,
	`refreshed_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `buckets_owner_idx` ON `buckets` (`owner_id`,`name`);--> statement-breakpoint
CREATE TABLE `completion_codes` (
	`id` text PRIMARY KEY NOT NULL,
	`ticket_id` text NOT NULL,
	`code_hash` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`expires_at` text NOT NULL,
	`consumed_at` text,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `completion_codes_ticket_idx` ON `completion_codes` (`ticket_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `counters` (
	`name` text PRIMARY KEY NOT NULL,
	`value` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `ticket_assignees` (
	`ticket_id` text NOT NULL,
	`technician_id` text NOT NULL,
	`assigned_by` text NOT NULL,
	`due_at` text,
	`reason` text,
	`assigned_at` text NOT NULL,
	PRIMARY KEY(`ticket_id`, `technician_id`)
);
--> statement-breakpoint
CREATE INDEX `ticket_assignees_technician_idx` ON `ticket_assignees` (`technician_id`,`ticket_id`);--> statement-breakpoint
CREATE TABLE `ticket_attachments` (
	`id` text PRIMARY KEY NOT NULL,
	`ticket_id` text NOT NULL,
	`uploaded_by` text NOT NULL,
	`filename` text NOT NULL,
	`content_type` text NOT NULL,
	`size_bytes` integer NOT NULL,
	`object_key` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `ticket_attachments_ticket_idx` ON `ticket_attachments` (`ticket_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `ticket_comments` (
	`id` text PRIMARY KEY NOT NULL,
	`ticket_id` text NOT NULL,
	`author_id` text NOT NULL,
	`body` text NOT NULL,
	`visibility` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `ticket_comments_ticket_idx` ON `ticket_comments` (`ticket_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `ticket_history` (
	`id` text PRIMARY KEY NOT NULL,
	`ticket_id` text NOT NULL,
	`actor_id` text,
	`action` text NOT NULL,
	`from_value` text,
	`to_value` text,
	`comment` text,
	`internal` integer DEFAULT false NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `ticket_history_ticket_idx` ON `ticket_history` (`ticket_id`,`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `tickets` (
	`id` text PRIMARY KEY NOT NULL,
	`number` text NOT NULL,
	`kind` text NOT NULL,
	`priority` text NOT NULL,
	`status` text NOT NULL,
	`title` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`customer_id` text,
	`asset_id` text,
	`created_by` text NOT NULL,
	`team_supervisor_id` text,
	`service_area` text,
	`required_skills` text DEFAULT '[]' NOT NULL,
	`lat` real,
	`lng` real,
	`address` text,
	`preferred_at` text,
	`scheduled_at` text,
	`estimated_minutes` integer,
	`service_type` text,
	`response_due_at` text,
	`resolution_due_at` text,
	`estimated_resolution_at` text,
	`responded_at` text,
	`response_breached_at` text,
	`resolution_breached_at` text,
	`sla_paused_at` text,
	`sla_paused_seconds` integer DEFAULT 0 NOT NULL,
	`opened_at` text,
	`assigned_at` text,
	`started_at` text,
	`on_hold_at` text,
	`resolved_at` text,
	`signed_off_at` text,
	`closed_at` text,
	`cancelled_at` text,
	`write_token` text DEFAULT '' NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `tickets_number_idx` ON `tickets` (`number`);--> statement-breakpoint
CREATE INDEX `tickets_created_idx` ON `tickets` (`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `tickets_updated_idx` ON `tickets` (`updated_at`,`id`);--> statement-breakpoint
CREATE INDEX `tickets_priority_created_idx` ON `tickets` (`priority`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `tickets_status_created_idx` ON `tickets` (`status`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `tickets_kind_created_idx` ON `tickets` (`kind`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `tickets_customer_created_idx` ON `tickets` (`customer_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `tickets_creator_created_idx` ON `tickets` (`created_by`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `tickets_team_created_idx` ON `tickets` (`team_supervisor_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `tickets_scheduled_idx` ON `tickets` (`scheduled_at`,`id`);--> statement-breakpoint
CREATE INDEX `tickets_asset_idx` ON `tickets` (`asset_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `tickets_response_due_idx` ON `tickets` (`response_due_at`) WHERE response_breached_at IS NULL AND responded_at IS NULL;--> statement-breakpoint
CREATE INDEX `tickets_resolution_due_idx` ON `tickets` (`resolution_due_at`) WHERE resolution_breached_at IS NULL AND resolved_at IS NULL;--> statement-breakpoint
CREATE TABLE `work_logs` (
	`id` text PRIMARY KEY NOT NULL,
	`ticket_id` text NOT NULL,
	`technician_id` text NOT NULL,
	`work_detail` text NOT NULL,
	`parts` text DEFAULT '[]' NOT NULL,
	`amount_charged` integer DEFAULT 0 NOT NULL,
	`next_service_date` text,
	`verified_by_code` integer DEFAULT false NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `work_logs_ticket_idx` ON `work_logs` (`ticket_id`,`created_at`);--> statement-breakpoint
ALTER TABLE `users` ADD `company_id` text;--> statement-breakpoint
CREATE INDEX `users_company_idx` ON `users` (`company_id`);