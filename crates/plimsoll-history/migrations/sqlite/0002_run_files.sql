-- Migration 2 (SQLite): the largest files of each run (path → bytes, as
-- many as the caller chose to keep), so a size budget can say which files
-- grew between a baseline and a candidate. file_count lets a reader check
-- that a run's file rows are all there; runs recorded before this
-- migration have none (file_count 0).
ALTER TABLE plimsoll_runs
    ADD COLUMN file_count INTEGER NOT NULL DEFAULT 0 CHECK (file_count >= 0);

CREATE TABLE plimsoll_run_files (
    run_id INTEGER NOT NULL REFERENCES plimsoll_runs (id) ON DELETE CASCADE,
    path   TEXT    NOT NULL,
    bytes  INTEGER NOT NULL CHECK (bytes >= 0),
    PRIMARY KEY (run_id, path)
);
