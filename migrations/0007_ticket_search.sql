-- Free-text search over tickets: an FTS5 index of number, title, description and address,
-- kept in step with the tickets table by triggers (every write path, with no code to forget).
CREATE VIRTUAL TABLE `tickets_fts` USING fts5(number, title, description, address, content='tickets', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2');
--> statement-breakpoint
CREATE TRIGGER `tickets_fts_insert` AFTER INSERT ON `tickets` BEGIN
  INSERT INTO tickets_fts (rowid, number, title, description, address) VALUES (new.rowid, new.number, new.title, new.description, coalesce(new.address, ''));
END;
--> statement-breakpoint
CREATE TRIGGER `tickets_fts_delete` AFTER DELETE ON `tickets` BEGIN
  INSERT INTO tickets_fts (tickets_fts, rowid, number, title, description, address) VALUES ('delete', old.rowid, old.number, old.title, old.description, coalesce(old.address, ''));
END;
--> statement-breakpoint
CREATE TRIGGER `tickets_fts_update` AFTER UPDATE OF number, title, description, address ON `tickets` BEGIN
  INSERT INTO tickets_fts (tickets_fts, rowid, number, title, description, address) VALUES ('delete', old.rowid, old.number, old.title, old.description, coalesce(old.address, ''));
  INSERT INTO tickets_fts (rowid, number, title, description, address) VALUES (new.rowid, new.number, new.title, new.description, coalesce(new.address, ''));
END;
--> statement-breakpoint
INSERT INTO tickets_fts (tickets_fts) VALUES ('rebuild');
