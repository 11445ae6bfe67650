ALTER TABLE `calendars` ADD `ical_url` text;--> statement-breakpoint
ALTER TABLE `calendars` ADD `ical_holidays` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `calendars` ADD `ical_refreshed_at` text;--> statement-breakpoint
ALTER TABLE `calendars` ADD `ical_error` text;