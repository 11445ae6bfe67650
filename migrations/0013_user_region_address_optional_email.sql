DROP INDEX `users_email_unique`;--> statement-breakpoint
ALTER TABLE `users` ADD `region` text;--> statement-breakpoint
ALTER TABLE `users` ADD `address` text;--> statement-breakpoint
CREATE UNIQUE INDEX `users_email_unique` ON `users` (`email`) WHERE "users"."email" <> '';