CREATE TABLE `plugin_tables` (
	`table_name` text PRIMARY KEY NOT NULL,
	`plugin_name` text NOT NULL,
	`descriptor_hash` text NOT NULL,
	`descriptors` text NOT NULL,
	`snapshot` text NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `plugins` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`version` text NOT NULL,
	`description` text,
	`repo_type` text NOT NULL,
	`repository` text NOT NULL,
	`manifest` text NOT NULL,
	`author` text NOT NULL,
	`tags` text,
	`plugin` text NOT NULL,
	`digest` text NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`created_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `plugins_name_unique` ON `plugins` (`name`);