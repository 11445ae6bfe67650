CREATE INDEX `domain_events_published_idx` ON `domain_events` (`created_at`) WHERE published_at IS NOT NULL;--> statement-breakpoint
CREATE INDEX `notifications_read_age_idx` ON `notifications` (`created_at`) WHERE read_at IS NOT NULL;--> statement-breakpoint
CREATE INDEX `technician_locations_age_idx` ON `technician_locations` (`reported_at`);--> statement-breakpoint
CREATE INDEX `mobile_actions_age_idx` ON `mobile_actions` (`created_at`);