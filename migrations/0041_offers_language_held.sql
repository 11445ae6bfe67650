CREATE TABLE `offers` (
	`id` text PRIMARY KEY NOT NULL,
	`code` text NOT NULL,
	`name` text NOT NULL,
	`service` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`download_mbps` real,
	`upload_mbps` real,
	`monthly_price_minor` integer,
	`currency` text,
	`active` integer DEFAULT true NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `offers_code_unique` ON `offers` (`code`);--> statement-breakpoint
CREATE INDEX `offers_name_idx` ON `offers` (`name`,`id`);--> statement-breakpoint
DROP INDEX `deliveries_overdue_idx`;--> statement-breakpoint
ALTER TABLE `deliveries` ADD `coalesce_key` text;--> statement-breakpoint
CREATE INDEX `deliveries_coalesce_idx` ON `deliveries` (`coalesce_key`,`created_at`) WHERE coalesce_key IS NOT NULL;--> statement-breakpoint
CREATE INDEX `deliveries_overdue_idx` ON `deliveries` (`next_attempt_at`) WHERE status IN ('pending', 'held', 'retrying', 'sending');--> statement-breakpoint
ALTER TABLE `customers` ADD `offer_id` text;--> statement-breakpoint
ALTER TABLE `customers` ADD `language` text;--> statement-breakpoint
CREATE INDEX `customers_offer_idx` ON `customers` (`offer_id`);