CREATE TABLE `calendars` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`time_zone` text NOT NULL,
	`week` text NOT NULL,
	`exceptions` text NOT NULL,
	`holidays` text NOT NULL,
	`is_default` integer DEFAULT false NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `calendars_name_idx` ON `calendars` (`name`,`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `calendars_one_default_idx` ON `calendars` (`is_default`) WHERE is_default = 1;