ALTER TABLE `users` ADD `whatsapp` text;--> statement-breakpoint
ALTER TABLE `users` ADD `department` text;