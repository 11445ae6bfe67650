ALTER TABLE `customers` ADD `whatsapp` text;--> statement-breakpoint
ALTER TABLE `customers` ADD `message_channels` text DEFAULT '["sms"]' NOT NULL;--> statement-breakpoint
ALTER TABLE `appointment_links` ADD `sent_to` text;--> statement-breakpoint
ALTER TABLE `appointments` ADD `evening_reminder_sent_at` text;