CREATE TABLE `time_off` (
	`id` text PRIMARY KEY NOT NULL,
	`technician_id` text NOT NULL,
	`kind` text NOT NULL,
	`starts_at` text NOT NULL,
	`ends_at` text NOT NULL,
	`reason` text,
	`status` text NOT NULL,
	`requested_by` text NOT NULL,
	`decided_by` text,
	`decided_at` text,
	`decision_note` text,
	`held_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `time_off_technician_idx` ON `time_off` (`technician_id`,`starts_at`,`id`);--> statement-breakpoint
CREATE INDEX `time_off_starts_idx` ON `time_off` (`starts_at`,`id`);--> statement-breakpoint
CREATE INDEX `time_off_unsettled_idx` ON `time_off` (`updated_at`) WHERE (status = 'approved' AND held_at IS NULL) OR (status <> 'approved' AND held_at IS NOT NULL);--> statement-breakpoint
ALTER TABLE `technician_profiles` ADD `calendar_id` text;--> statement-breakpoint
ALTER TABLE `technician_profiles` ADD `working_week` text;