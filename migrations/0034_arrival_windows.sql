ALTER TABLE `appointments` ADD `window_starts_at` text;--> statement-breakpoint
ALTER TABLE `appointments` ADD `window_ends_at` text;