CREATE TABLE `contact_changes` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`kind` text NOT NULL,
	`old_value` text,
	`new_value` text,
	`verify_hash` text,
	`verify_expires_at` text,
	`verified_at` text,
	`undo_hash` text,
	`undo_expires_at` text,
	`undone_at` text,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `contact_changes_user_idx` ON `contact_changes` (`user_id`,`kind`);--> statement-breakpoint
CREATE UNIQUE INDEX `contact_changes_verify_unique` ON `contact_changes` (`verify_hash`);--> statement-breakpoint
CREATE UNIQUE INDEX `contact_changes_undo_unique` ON `contact_changes` (`undo_hash`);