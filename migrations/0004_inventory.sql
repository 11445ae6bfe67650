CREATE TABLE `equipment_assignments` (
	`id` text PRIMARY KEY NOT NULL,
	`item_id` text NOT NULL,
	`technician_id` text NOT NULL,
	`ticket_id` text,
	`quantity` integer NOT NULL,
	`returned_quantity` integer DEFAULT 0 NOT NULL,
	`serials` text NOT NULL,
	`status` text NOT NULL,
	`issued_by` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	CONSTRAINT "equipment_assignments_returned_within" CHECK("equipment_assignments"."returned_quantity" >= 0 AND "equipment_assignments"."returned_quantity" <= "equipment_assignments"."quantity")
);
--> statement-breakpoint
CREATE INDEX `equipment_assignments_technician_idx` ON `equipment_assignments` (`technician_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `equipment_assignments_ticket_idx` ON `equipment_assignments` (`ticket_id`);--> statement-breakpoint
CREATE INDEX `equipment_assignments_created_idx` ON `equipment_assignments` (`created_at`,`id`);--> statement-breakpoint
CREATE TABLE `inventory_items` (
	`id` text PRIMARY KEY NOT NULL,
	`sku` text NOT NULL,
	`name` text NOT NULL,
	`category` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`unit_price` integer NOT NULL,
	`currency` text NOT NULL,
	`serialised` integer DEFAULT false NOT NULL,
	`min_level` integer DEFAULT 0 NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`retired_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `inventory_items_sku_unique` ON `inventory_items` (`sku`);--> statement-breakpoint
CREATE INDEX `inventory_items_name_idx` ON `inventory_items` (`name`,`id`);--> statement-breakpoint
CREATE INDEX `inventory_items_category_idx` ON `inventory_items` (`category`,`name`,`id`);--> statement-breakpoint
CREATE TABLE `stock_balances` (
	`item_id` text NOT NULL,
	`location` text NOT NULL,
	`quantity` integer NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`item_id`, `location`),
	CONSTRAINT "stock_balances_never_negative" CHECK("stock_balances"."quantity" >= 0 OR "stock_balances"."location" IN ('supplier', 'adjustment', 'written_off'))
);
--> statement-breakpoint
CREATE INDEX `stock_balances_location_idx` ON `stock_balances` (`location`,`item_id`);--> statement-breakpoint
CREATE TABLE `stock_movements` (
	`id` text PRIMARY KEY NOT NULL,
	`item_id` text NOT NULL,
	`kind` text NOT NULL,
	`quantity` integer NOT NULL,
	`from_location` text NOT NULL,
	`to_location` text NOT NULL,
	`ticket_id` text,
	`assignment_id` text,
	`serials` text NOT NULL,
	`actor_id` text,
	`reason` text,
	`created_at` text NOT NULL,
	CONSTRAINT "stock_movements_positive" CHECK("stock_movements"."quantity" > 0)
);
--> statement-breakpoint
CREATE INDEX `stock_movements_item_idx` ON `stock_movements` (`item_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `stock_movements_created_idx` ON `stock_movements` (`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `stock_movements_ticket_idx` ON `stock_movements` (`ticket_id`);--> statement-breakpoint
CREATE TABLE `stock_serials` (
	`item_id` text NOT NULL,
	`serial` text NOT NULL,
	`location` text NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`item_id`, `serial`)
);
--> statement-breakpoint
CREATE INDEX `stock_serials_location_idx` ON `stock_serials` (`item_id`,`location`);