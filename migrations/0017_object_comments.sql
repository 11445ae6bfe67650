CREATE TABLE `object_comments` (
	`id` text PRIMARY KEY NOT NULL,
	`content_type` text NOT NULL,
	`object_id` text NOT NULL,
	`author_id` text NOT NULL,
	`body` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`deleted_at` text
);
--> statement-breakpoint
CREATE INDEX `object_comments_object_idx` ON `object_comments` (`content_type`,`object_id`,`created_at`,`id`);