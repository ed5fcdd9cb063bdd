-- Migration 1 (PostgreSQL): the same tables as SQLite's migration 1.
CREATE TABLE plimsoll_runs (
    id                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name               TEXT    NOT NULL,
    tag                TEXT,
    digest             TEXT,
    branch             TEXT    NOT NULL,
    commit_sha         TEXT,
    compressed_bytes   BIGINT  NOT NULL CHECK (compressed_bytes >= 0),
    uncompressed_bytes BIGINT  NOT NULL CHECK (uncompressed_bytes >= 0),
    class              TEXT,
    recorded_at        TEXT    NOT NULL,
    recorded_at_s      BIGINT  NOT NULL,
    recorded_at_ns     BIGINT  NOT NULL CHECK (recorded_at_ns >= 0 AND recorded_at_ns < 1000000000),
    tool_version       TEXT    NOT NULL,
    layer_count        BIGINT  NOT NULL CHECK (layer_count >= 0),
    dir_count          BIGINT  NOT NULL CHECK (dir_count >= 0)
);
CREATE INDEX plimsoll_runs_by_name_branch_time
    ON plimsoll_runs (name, branch, recorded_at_s, recorded_at_ns, id);
CREATE INDEX plimsoll_runs_by_name_time
    ON plimsoll_runs (name, recorded_at_s, recorded_at_ns, id);

CREATE TABLE plimsoll_run_layers (
    run_id             BIGINT  NOT NULL REFERENCES plimsoll_runs (id) ON DELETE CASCADE,
    layer_index        BIGINT  NOT NULL CHECK (layer_index >= 0),
    digest             TEXT    NOT NULL,
    compressed_bytes   BIGINT  NOT NULL CHECK (compressed_bytes >= 0),
    uncompressed_bytes BIGINT  NOT NULL CHECK (uncompressed_bytes >= 0),
    created_by         TEXT,
    PRIMARY KEY (run_id, layer_index)
);

CREATE TABLE plimsoll_run_dirs (
    run_id BIGINT NOT NULL REFERENCES plimsoll_runs (id) ON DELETE CASCADE,
    path   TEXT   NOT NULL,
    bytes  BIGINT NOT NULL CHECK (bytes >= 0),
    PRIMARY KEY (run_id, path)
);
