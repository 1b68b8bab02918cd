// The archive's SQLite schema and every statement it runs, in one place so that a test can check the
// query plan of each (EXPLAIN QUERY PLAN: index range scans only, no full SCAN, no temp B-tree for
// ORDER BY). A mail request is answered in pages of a few dozen rows; each page must cost a seek
// plus the rows it returns, however large the archive and however little of it matches.
//
// The envelope count and byte total live in `totals`, kept by triggers, so opening a large archive
// reads one row instead of counting all of them. An archive written before the topic index and the
// totals existed gets both on its first open (one pass over it, once).

export const FORMAT_VERSION = '1'

export const SCHEMA = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS envelopes (
    shh INTEGER NOT NULL, sent INTEGER NOT NULL, hash BLOB NOT NULL,
    topic BLOB NOT NULL, size INTEGER NOT NULL, rlp BLOB NOT NULL,
    PRIMARY KEY (shh, sent, hash)) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS envelopes_by_sent ON envelopes (sent);
  CREATE INDEX IF NOT EXISTS envelopes_by_topic ON envelopes (shh, topic, sent, hash);
  CREATE TABLE IF NOT EXISTS totals (id INTEGER PRIMARY KEY CHECK (id = 0), n INTEGER NOT NULL, bytes INTEGER NOT NULL);
  INSERT OR IGNORE INTO totals (id, n, bytes) SELECT 0, COUNT(*), COALESCE(SUM(size), 0) FROM envelopes;
  CREATE TRIGGER IF NOT EXISTS envelopes_added AFTER INSERT ON envelopes
    BEGIN UPDATE totals SET n = n + 1, bytes = bytes + NEW.size WHERE id = 0; END;
  CREATE TRIGGER IF NOT EXISTS envelopes_removed AFTER DELETE ON envelopes
    BEGIN UPDATE totals SET n = n - 1, bytes = bytes - OLD.size WHERE id = 0; END;
  INSERT OR IGNORE INTO meta (key, value) VALUES ('format', '${FORMAT_VERSION}');`

/** Every statement the archive prepares after the schema, with sample parameters for EXPLAIN. */
export const QUERIES = {
  format: { sql: `SELECT value FROM meta WHERE key = 'format'`, sample: [] },
  totals: { sql: 'SELECT n, bytes FROM totals WHERE id = 0', sample: [] },
  insert: { sql: 'INSERT OR IGNORE INTO envelopes (shh, sent, hash, topic, size, rlp) VALUES (?, ?, ?, ?, ?, ?)', sample: [5, 1, Buffer.alloc(32), Buffer.alloc(4), 1, Buffer.alloc(1)] },
  // (sent, hash) > (from, x'') starts at `from` itself: every real hash sorts after the empty blob
  page: {
    sql: `SELECT sent, hash, rlp FROM envelopes WHERE shh = ? AND (sent, hash) > (?, ?) AND sent < ? ORDER BY sent, hash LIMIT ?`,
    sample: [5, 0, Buffer.alloc(0), 2 ** 32, 64],
  },
  pageTopic: {
    sql: `SELECT sent, hash, rlp FROM envelopes INDEXED BY envelopes_by_topic WHERE shh = ? AND topic = ? AND (sent, hash) > (?, ?) AND sent < ? ORDER BY sent, hash LIMIT ?`,
    sample: [5, Buffer.alloc(4), 0, Buffer.alloc(0), 2 ** 32, 64],
  },
  // sent >= 0 holds for every row; it makes the walk from the oldest a range search on the index
  oldest: { sql: 'SELECT shh, sent, hash, size FROM envelopes WHERE sent >= 0 ORDER BY sent LIMIT ?', sample: [256] },
  del: { sql: 'DELETE FROM envelopes WHERE shh = ? AND sent = ? AND hash = ?', sample: [5, 1, Buffer.alloc(32)] },
} as const

export type QueryName = keyof typeof QUERIES
