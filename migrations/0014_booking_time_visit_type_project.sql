ALTER TABLE `tickets` ADD `project_name` text;--> statement-breakpoint
ALTER TABLE `tickets` ADD `preferred_time` text;--> statement-breakpoint
ALTER TABLE `tickets` ADD `visit_type` text;--> statement-breakpoint
-- drizzle-kit renders an expression index wrongly; written by hand (the same expression as SCHEDULE_ORDER_KEY).
CREATE INDEX `tickets_schedule_order_idx` ON `tickets` ((coalesce(scheduled_at, '~') || ' ' || created_at), `id`);
