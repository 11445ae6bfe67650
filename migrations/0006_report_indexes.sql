CREATE INDEX `assets_warranty_end_idx` ON `assets` (`warranty_end`,`id`);--> statement-breakpoint
-- drizzle-kit quotes an expression column as a name; written by hand.
CREATE INDEX `tickets_booking_due_idx` ON `tickets` (`kind`,coalesce(`scheduled_at`, `preferred_at`),`id`);
