ALTER TABLE `customers` ADD `account_number` text;--> statement-breakpoint
CREATE UNIQUE INDEX `customers_account_number_unique` ON `customers` (`account_number`);--> statement-breakpoint
ALTER TABLE `tickets` ADD `external_ref` text;--> statement-breakpoint
CREATE UNIQUE INDEX `tickets_external_ref_unique` ON `tickets` (`external_ref`);--> statement-breakpoint
CREATE INDEX `assets_serial_idx` ON `assets` (`serial_number`);