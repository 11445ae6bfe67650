CREATE TABLE `ticket_checklist_items` (
	`id` text PRIMARY KEY NOT NULL,
	`ticket_id` text NOT NULL,
	`item_key` text NOT NULL,
	`position` integer NOT NULL,
	`label` text NOT NULL,
	`required` integer NOT NULL,
	`photo_required` integer NOT NULL,
	`value_required` integer NOT NULL,
	`value` text,
	`upload_id` text,
	`done_by` text,
	`done_at` text,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ticket_checklist_items_key_unique` ON `ticket_checklist_items` (`ticket_id`,`item_key`);--> statement-breakpoint
CREATE INDEX `ticket_checklist_items_ticket_idx` ON `ticket_checklist_items` (`ticket_id`,`position`);--> statement-breakpoint
CREATE TABLE `job_templates` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`kind` text NOT NULL,
	`service_category` text,
	`estimated_minutes` integer,
	`required_skills` text DEFAULT '[]' NOT NULL,
	`parts` text DEFAULT '[]' NOT NULL,
	`checklist` text DEFAULT '[]' NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `job_templates_name_unique` ON `job_templates` (`name`);--> statement-breakpoint
CREATE INDEX `job_templates_kind_idx` ON `job_templates` (`kind`,`name`);--> statement-breakpoint
ALTER TABLE `tickets` ADD `template_id` text;