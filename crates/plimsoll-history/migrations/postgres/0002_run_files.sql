-- Migration 2 (PostgreSQL): the same as SQLite's migration 2 — the
-- largest files of each run, and file_count (0 for runs recorded before).
ALTER TABLE plimsoll_runs
    ADD COLUMN file_count BIGINT NOT NULL DEFAULT 0 CHECK (file_count >= 0);

CREATE TABLE plimsoll_run_files (
    run_id BIGINT NOT NULL REFERENCES plimsoll_runs (id) ON DELETE CASCADE,
    path   TEXT   NOT NULL,
    bytes  BIGINT NOT NULL CHECK (bytes >= 0),
    PRIMARY KEY (run_id, path)
);
