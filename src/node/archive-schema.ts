// The archive's SQLite schema and every statement it runs, in one place so that a test can check the
// query plan of each (EXPLAIN QUERY PLAN: index range scans only, no full SCAN, no temp B-tree for
// ORDER BY). A mail request is answered in pages of a few dozen rows; each page must cost a seek
// plus the rows it returns, however large the archive and however little of it matches.
//
// The envelope count and byte total live in `totals`, kept by triggers, so opening a large archive
// reads one row instead of counting all of them. An archive written before the topic index and the
// totals existed gets both on its first open (one pass over it, once).

export const FORMAT_VERSION = '1'

const TABLES = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS envelopes (
    shh INTEGER NOT NULL, sent INTEGER NOT NULL, hash BLOB NOT NULL,
    topic BLOB NOT NULL, size INTEGER NOT NULL, rlp BLOB NOT NULL, seq INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (shh, sent, hash)) WITHOUT ROWID;`

// After TABLES and the seq column's migration: the indexes name seq. `seq` in totals is the highest
// arrival number given, so a reopened archive goes on from there without a scan.
const INDEXES = `
  CREATE INDEX IF NOT EXISTS envelopes_by_sent ON envelopes (sent);
  CREATE INDEX IF NOT EXISTS envelopes_in_order ON envelopes (shh, sent, seq, hash);
  CREATE INDEX IF NOT EXISTS envelopes_by_topic ON envelopes (shh, topic, sent, seq, hash);
  CREATE TABLE IF NOT EXISTS totals (id INTEGER PRIMARY KEY CHECK (id = 0), n INTEGER NOT NULL, bytes INTEGER NOT NULL, seq INTEGER NOT NULL);
  INSERT OR IGNORE INTO totals (id, n, bytes, seq) SELECT 0, COUNT(*), COALESCE(SUM(size), 0), COALESCE(MAX(seq), 0) FROM envelopes;
  CREATE TRIGGER IF NOT EXISTS envelopes_added AFTER INSERT ON envelopes
    BEGIN UPDATE totals SET n = n + 1, bytes = bytes + NEW.size, seq = MAX(seq, NEW.seq) WHERE id = 0; END;
  CREATE TRIGGER IF NOT EXISTS envelopes_removed AFTER DELETE ON envelopes
    BEGIN UPDATE totals SET n = n - 1, bytes = bytes - OLD.size WHERE id = 0; END;
  INSERT OR IGNORE INTO meta (key, value) VALUES ('format', '${FORMAT_VERSION}');`

/** What `openSchema` needs of a database (better-sqlite3's, without loading it here). */
interface SchemaDb {
  exec(sql: string): unknown
  prepare(sql: string): { all(): unknown[] }
}

/**
 * Creates the schema, or brings an archive of an older release up to it: archives written before
 * arrival order was kept gain the `seq` column (old rows 0: they follow their hash, as before).
 */
export function openSchema(db: SchemaDb): void {
  db.exec(TABLES)
  const columns = db.prepare(`SELECT name FROM pragma_table_info('envelopes')`).all() as { name: string }[]
  if (!columns.some((c) => c.name === 'seq')) db.exec('ALTER TABLE envelopes ADD COLUMN seq INTEGER NOT NULL DEFAULT 0')
  db.exec(INDEXES)
}

/** Every statement the archive prepares after the schema, with sample parameters for EXPLAIN. */
export const QUERIES = {
  format: { sql: `SELECT value FROM meta WHERE key = 'format'`, sample: [] },
  totals: { sql: 'SELECT n, bytes, seq FROM totals WHERE id = 0', sample: [] },
  insert: { sql: 'INSERT OR IGNORE INTO envelopes (shh, sent, hash, topic, size, rlp, seq) VALUES (?, ?, ?, ?, ?, ?, ?)', sample: [5, 1, Buffer.alloc(32), Buffer.alloc(4), 1, Buffer.alloc(1), 1] },
  // (sent, seq, hash) > (from, -1, x'') starts at `from` itself: every real seq is >= 0
  page: {
    sql: `SELECT sent, seq, hash, rlp FROM envelopes INDEXED BY envelopes_in_order WHERE shh = ? AND (sent, seq, hash) > (?, ?, ?) AND sent < ? ORDER BY sent, seq, hash LIMIT ?`,
    sample: [5, 0, -1, Buffer.alloc(0), 2 ** 32, 64],
  },
  pageTopic: {
    sql: `SELECT sent, seq, hash, rlp FROM envelopes INDEXED BY envelopes_by_topic WHERE shh = ? AND topic = ? AND (sent, seq, hash) > (?, ?, ?) AND sent < ? ORDER BY sent, seq, hash LIMIT ?`,
    sample: [5, Buffer.alloc(4), 0, -1, Buffer.alloc(0), 2 ** 32, 64],
  },
  // sent >= 0 holds for every row; it makes the walk from the oldest a range search on the index
  oldest: { sql: 'SELECT shh, sent, hash, size FROM envelopes WHERE sent >= 0 ORDER BY sent LIMIT ?', sample: [256] },
  del: { sql: 'DELETE FROM envelopes WHERE shh = ? AND sent = ? AND hash = ?', sample: [5, 1, Buffer.alloc(32)] },
} as const

export type QueryName = keyof typeof QUERIES
