CREATE TABLE `mobile_actions` (
	`user_id` text NOT NULL,
	`client_id` text NOT NULL,
	`device_id` text NOT NULL,
	`type` text NOT NULL,
	`outcome` text NOT NULL,
	`result` text,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `mobile_actions_pk` ON `mobile_actions` (`user_id`,`client_id`);--> statement-breakpoint
CREATE TABLE `mobile_devices` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`device_key` text NOT NULL,
	`platform` text NOT NULL,
	`app_version` text NOT NULL,
	`push_token` text,
	`last_sync_at` text,
	`last_seq` integer,
	`revoked_at` text,
	`revoked_by` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `mobile_devices_user_key_unique` ON `mobile_devices` (`user_id`,`device_key`);--> statement-breakpoint
CREATE INDEX `mobile_devices_user_idx` ON `mobile_devices` (`user_id`,`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `sync_changes` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`scope` text NOT NULL,
	`entity` text NOT NULL,
	`entity_id` text NOT NULL,
	`op` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `sync_changes_scope_seq_idx` ON `sync_changes` (`scope`,`seq`);--> statement-breakpoint
CREATE TABLE `uploads` (
	`id` text PRIMARY KEY NOT NULL,
	`uploaded_by` text NOT NULL,
	`kind` text NOT NULL,
	`filename` text NOT NULL,
	`content_type` text NOT NULL,
	`size_bytes` integer NOT NULL,
	`object_key` text NOT NULL,
	`ticket_id` text,
	`work_log_id` text,
	`attached_at` text,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `uploads_unattached_idx` ON `uploads` (`attached_at`,`created_at`);--> statement-breakpoint
CREATE INDEX `uploads_owner_idx` ON `uploads` (`uploaded_by`,`created_at`);--> statement-breakpoint
ALTER TABLE `tickets` ADD `version` integer DEFAULT 1 NOT NULL;