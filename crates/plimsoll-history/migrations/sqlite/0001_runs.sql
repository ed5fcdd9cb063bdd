-- Migration 1 (SQLite): one row per analysed image run, its layers, and its
-- per-directory size summary. Sizes are bytes. The timestamp is kept as
-- canonical RFC 3339 UTC text and as (seconds, nanoseconds) since the Unix
-- epoch for ordering. layer_count and dir_count let a reader check that a
-- run's child rows are all there.
CREATE TABLE plimsoll_runs (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    name               TEXT    NOT NULL,
    tag                TEXT,
    digest             TEXT,
    branch             TEXT    NOT NULL,
    commit_sha         TEXT,
    compressed_bytes   INTEGER NOT NULL CHECK (compressed_bytes >= 0),
    uncompressed_bytes INTEGER NOT NULL CHECK (uncompressed_bytes >= 0),
    class              TEXT,
    recorded_at        TEXT    NOT NULL,
    recorded_at_s      INTEGER NOT NULL,
    recorded_at_ns     INTEGER NOT NULL CHECK (recorded_at_ns >= 0 AND recorded_at_ns < 1000000000),
    tool_version       TEXT    NOT NULL,
    layer_count        INTEGER NOT NULL CHECK (layer_count >= 0),
    dir_count          INTEGER NOT NULL CHECK (dir_count >= 0)
);
CREATE INDEX plimsoll_runs_by_name_branch_time
    ON plimsoll_runs (name, branch, recorded_at_s, recorded_at_ns, id);
CREATE INDEX plimsoll_runs_by_name_time
    ON plimsoll_runs (name, recorded_at_s, recorded_at_ns, id);

CREATE TABLE plimsoll_run_layers (
    run_id             INTEGER NOT NULL REFERENCES plimsoll_runs (id) ON DELETE CASCADE,
    layer_index        INTEGER NOT NULL CHECK (layer_index >= 0),
    digest             TEXT    NOT NULL,
    compressed_bytes   INTEGER NOT NULL CHECK (compressed_bytes >= 0),
    uncompressed_bytes INTEGER NOT NULL CHECK (uncompressed_bytes >= 0),
    created_by         TEXT,
    PRIMARY KEY (run_id, layer_index)
);

CREATE TABLE plimsoll_run_dirs (
    run_id INTEGER NOT NULL REFERENCES plimsoll_runs (id) ON DELETE CASCADE,
    path   TEXT    NOT NULL,
    bytes  INTEGER NOT NULL CHECK (bytes >= 0),
    PRIMARY KEY (run_id, path)
);
