-- CSV imports (issue 10). All three tables are device-owned: the server never writes here and
-- sync never replaces them.

-- Files this partner imported on this computer, with the counts the check found. `status` is
-- 'waiting' until the upload to the marketplace sends it (the partner uploads issue); `mapping`
-- is JSON: the column headers and the lead field each was mapped to.
CREATE TABLE uploads (
    id          INTEGER PRIMARY KEY,
    file_name   TEXT NOT NULL,
    file_path   TEXT NOT NULL,
    category    TEXT,
    mapping     TEXT NOT NULL,
    rows        INTEGER NOT NULL,
    accepted    INTEGER NOT NULL,
    rejected    INTEGER NOT NULL,
    duplicates  INTEGER NOT NULL,
    status      TEXT NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting')),
    created_at  TEXT NOT NULL
);

-- The dedupe keys (shared's SHA-256 keys, first 16 bytes) of every accepted row of the uploads
-- above: a later import rejects a row matching one as a duplicate of an earlier upload.
CREATE TABLE upload_keys (
    key        BLOB PRIMARY KEY,
    kind       INTEGER NOT NULL,
    upload_id  INTEGER NOT NULL REFERENCES uploads (id) ON DELETE CASCADE
) WITHOUT ROWID;

-- Mapping profiles, remembered by header set: a file whose headers are the same set gets the
-- profile's mapping and category applied on open. `header_set` is the sorted header names joined
-- by U+001F; `mapping` is JSON {header: field or null}.
CREATE TABLE import_profiles (
    name        TEXT PRIMARY KEY,
    header_set  TEXT NOT NULL UNIQUE,
    mapping     TEXT NOT NULL,
    category    TEXT,
    updated_at  TEXT NOT NULL
);
