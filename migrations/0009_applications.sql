CREATE TABLE `api_key_usage` (
	`key_id` text NOT NULL,
	`day` text NOT NULL,
	`requests` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_key_usage_unique` ON `api_key_usage` (`key_id`,`day`);--> statement-breakpoint
CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`application_id` text,
	`prefix` text NOT NULL,
	`secret_hash` text NOT NULL,
	`permissions` text DEFAULT '[]' NOT NULL,
	`expires_at` text,
	`last_used_at` text,
	`last_used_ip` text,
	`rotated_from` text,
	`revoked_at` text,
	`created_by` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_secret_unique` ON `api_keys` (`secret_hash`);--> statement-breakpoint
CREATE INDEX `api_keys_created_idx` ON `api_keys` (`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `application_grants` (
	`id` text PRIMARY KEY NOT NULL,
	`application_id` text NOT NULL,
	`role_id` text NOT NULL,
	`user_id` text NOT NULL,
	`granted_by` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `application_grants_unique` ON `application_grants` (`application_id`,`user_id`,`role_id`);--> statement-breakpoint
CREATE INDEX `application_grants_user_idx` ON `application_grants` (`user_id`,`application_id`);--> statement-breakpoint
CREATE INDEX `application_grants_role_idx` ON `application_grants` (`role_id`,`user_id`);--> statement-breakpoint
CREATE INDEX `application_grants_created_idx` ON `application_grants` (`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `application_roles` (
	`id` text PRIMARY KEY NOT NULL,
	`application_id` text NOT NULL,
	`key` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `application_roles_key_unique` ON `application_roles` (`application_id`,`key`);--> statement-breakpoint
CREATE TABLE `applications` (
	`id` text PRIMARY KEY NOT NULL,
	`key` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`listed` integer DEFAULT false NOT NULL,
	`logo_url` text,
	`allowed_origins` text DEFAULT '[]' NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `applications_key_unique` ON `applications` (`key`);--> statement-breakpoint
CREATE INDEX `applications_created_idx` ON `applications` (`created_at`,`id`);--> statement-breakpoint
ALTER TABLE `sessions` ADD `application_id` text;