CREATE TABLE `provisioning_actions` (
	`id` text PRIMARY KEY NOT NULL,
	`action` text NOT NULL,
	`actor_user_id` text NOT NULL,
	`subscriber_id` text,
	`customer_id` text,
	`ticket_id` text,
	`node` text,
	`ont_serial` text,
	`request` text NOT NULL,
	`result` text,
	`outcome` text NOT NULL,
	`error_code` text,
	`error_detail` text,
	`upstream` text,
	`duration_ms` integer,
	`started_at` text NOT NULL,
	`finished_at` text
);
--> statement-breakpoint
CREATE INDEX `provisioning_actions_started_idx` ON `provisioning_actions` (`started_at`,`id`);--> statement-breakpoint
CREATE INDEX `provisioning_actions_subscriber_idx` ON `provisioning_actions` (`subscriber_id`,`started_at`,`id`);--> statement-breakpoint
CREATE INDEX `provisioning_actions_ticket_idx` ON `provisioning_actions` (`ticket_id`,`started_at`,`id`);--> statement-breakpoint
CREATE INDEX `provisioning_actions_actor_idx` ON `provisioning_actions` (`actor_user_id`,`started_at`,`id`);