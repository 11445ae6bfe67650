CREATE TABLE `slot_holds` (
	`id` text PRIMARY KEY NOT NULL,
	`ticket_id` text NOT NULL,
	`link_id` text,
	`technician_id` text NOT NULL,
	`date` text NOT NULL,
	`start_time` text NOT NULL,
	`duration_minutes` integer NOT NULL,
	`expires_at` text NOT NULL,
	`status` text NOT NULL,
	`reason` text,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `slot_holds_link_idx` ON `slot_holds` (`link_id`,`status`);--> statement-breakpoint
CREATE INDEX `slot_holds_ticket_idx` ON `slot_holds` (`ticket_id`,`status`);