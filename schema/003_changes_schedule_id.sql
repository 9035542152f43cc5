-- 003_changes_schedule_id.sql: the change feed names the schedule's id too, so the daemon can drop a removed one.

ALTER TABLE changes ADD COLUMN schedule_id INTEGER;   -- no foreign key: the audit outlives the schedule
