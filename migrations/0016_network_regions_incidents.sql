CREATE TABLE `cable_prices` (
	`id` text PRIMARY KEY NOT NULL,
	`cable_type` text NOT NULL,
	`price_per_metre` integer NOT NULL,
	`currency` text NOT NULL,
	`effective_from` text NOT NULL,
	`created_by` text,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `cable_prices_type_from_unique` ON `cable_prices` (`cable_type`,`effective_from`);--> statement-breakpoint
CREATE TABLE `copper_incidents` (
	`id` text PRIMARY KEY NOT NULL,
	`number` text NOT NULL,
	`region_id` text NOT NULL,
	`locality_id` text,
	`lat` real,
	`lng` real,
	`description` text DEFAULT '' NOT NULL,
	`discovered_at` text NOT NULL,
	`reported_at` text NOT NULL,
	`cable_type` text NOT NULL,
	`metres_stolen` real NOT NULL,
	`police_case_number` text,
	`status` text NOT NULL,
	`price_per_metre` integer NOT NULL,
	`currency` text NOT NULL,
	`estimated_cost` integer NOT NULL,
	`created_by` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`deleted_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `copper_incidents_number_unique` ON `copper_incidents` (`number`);--> statement-breakpoint
CREATE INDEX `copper_incidents_reported_idx` ON `copper_incidents` (`reported_at`,`id`);--> statement-breakpoint
CREATE INDEX `copper_incidents_region_idx` ON `copper_incidents` (`region_id`,`reported_at`,`id`);--> statement-breakpoint
CREATE INDEX `copper_incidents_locality_idx` ON `copper_incidents` (`locality_id`,`reported_at`,`id`);--> statement-breakpoint
CREATE INDEX `copper_incidents_status_idx` ON `copper_incidents` (`status`,`reported_at`,`id`);--> statement-breakpoint
CREATE TABLE `incident_customers` (
	`id` text PRIMARY KEY NOT NULL,
	`incident_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`service` text,
	`notes` text,
	`restoration_ticket_id` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `incident_customers_unique` ON `incident_customers` (`incident_id`,`customer_id`);--> statement-breakpoint
CREATE INDEX `incident_customers_incident_idx` ON `incident_customers` (`incident_id`,`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `localities` (
	`id` text PRIMARY KEY NOT NULL,
	`region_id` text NOT NULL,
	`name` text NOT NULL,
	`service_area` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`deleted_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `localities_area_unique` ON `localities` (`service_area`);--> statement-breakpoint
CREATE INDEX `localities_region_idx` ON `localities` (`region_id`,`name`,`id`);--> statement-breakpoint
CREATE TABLE `regions` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`code` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`deleted_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `regions_code_unique` ON `regions` (`code`);--> statement-breakpoint
CREATE INDEX `regions_name_idx` ON `regions` (`name`,`id`);