-- 008_source.sql: where each schedule came from, so apply owns what its file says and the operator the rest.

-- A matrix entry of an apply file as it was read (JSON, matrix included), so export can write the
-- schedules it made back as that one entry. Rows no schedule refers to are removed by apply.
CREATE TABLE matrix_entries (
    id              INTEGER PRIMARY KEY,
    source          TEXT    NOT NULL,
    entry           TEXT    NOT NULL CHECK (json_valid(entry)),
    UNIQUE (source, entry)
) STRICT;

-- NULL: made by an operator (schedctl add); else the apply file's absolute path or its --source.
-- apply --prune removes only schedules of its own source.
ALTER TABLE schedules ADD COLUMN source TEXT CHECK (source IS NULL OR length(source) > 0);
-- The matrix entry the schedule was expanded from (NULL: none, or an operator made it).
ALTER TABLE schedules ADD COLUMN matrix_entry_id INTEGER REFERENCES matrix_entries (id) ON DELETE SET NULL;
-- 1: paused and note were last set by schedctl pause/resume/update; apply keeps them unless its file sets paused.
ALTER TABLE schedules ADD COLUMN paused_by_operator INTEGER NOT NULL DEFAULT 0 CHECK (paused_by_operator IN (0, 1));
-- The version schedctl repin moved the schedule from (NULL: not repinned since apply last set it);
-- apply keeps the repin while its file still pins that version.
ALTER TABLE schedules ADD COLUMN repinned_from TEXT;

CREATE INDEX schedules_source ON schedules (source) WHERE source IS NOT NULL;
CREATE INDEX schedules_matrix_entry ON schedules (matrix_entry_id) WHERE matrix_entry_id IS NOT NULL;
