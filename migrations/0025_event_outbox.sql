ALTER TABLE `domain_events` ADD `published_at` text;--> statement-breakpoint
CREATE INDEX `domain_events_unpublished_idx` ON `domain_events` (`created_at`) WHERE published_at IS NULL;--> statement-breakpoint
ALTER TABLE `deliveries` ADD `next_attempt_at` text;--> statement-breakpoint
CREATE INDEX `deliveries_overdue_idx` ON `deliveries` (`next_attempt_at`) WHERE status IN ('pending', 'retrying', 'sending');--> statement-breakpoint
-- Events written before the outbox were published in their request: none is waiting.
UPDATE `domain_events` SET `published_at` = `created_at` WHERE `published_at` IS NULL;--> statement-breakpoint
UPDATE `deliveries` SET `next_attempt_at` = `updated_at` WHERE `status` IN ('pending', 'retrying', 'sending');
