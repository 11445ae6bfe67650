ALTER TABLE `mobile_devices` ADD `session_id` text;--> statement-breakpoint
CREATE INDEX `mobile_devices_session_idx` ON `mobile_devices` (`session_id`);