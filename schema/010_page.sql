-- 010_page.sql: the status page's /missed list (skipped and late fires, newest first) read a page at a time.

-- Skipped runs and scheduled fires sent more than 60 s late (late_fires' rule), by instant: a page
-- of /missed is a walk of this index from the newest, not a scan of every run. A query uses it by
-- repeating this WHERE clause word for word.
CREATE INDEX runs_missed ON runs (scheduled_at)
    WHERE state = 'skipped' OR (kind = 'scheduled' AND sent_at IS NOT NULL
                                AND unixepoch(sent_at) - unixepoch(scheduled_at) > 60);
