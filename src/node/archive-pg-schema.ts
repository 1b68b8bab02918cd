// The PostgreSQL archive's schema and every statement it runs, in one place so that a test can EXPLAIN
// each (test/node/archive-pg.e2e.test.ts: index scans only, no Seq Scan, no Sort the index should give).
// Several mail servers may share the database: the schema is created under an advisory lock (two
// servers starting at once), an envelope is one row whoever archived it first (primary key (shh, hash),
// ON CONFLICT DO NOTHING), and `seq`, the arrival order, is the database's own sequence, one order for
// all of them.
//
// The envelope count and byte total live in `envelope_totals`, kept by statement-level triggers (one
// update per batch, not per row), so the size bound is checked without counting the table.

export const PG_FORMAT_VERSION = '1'

/** Key of the advisory lock that serializes schema creation between servers. */
export const SCHEMA_LOCK = 0x7032706d // 'p2pm'

export const PG_SCHEMA = `
  CREATE TABLE IF NOT EXISTS archive_meta (key text PRIMARY KEY, value text NOT NULL);
  CREATE TABLE IF NOT EXISTS envelopes (
    shh smallint NOT NULL, sent bigint NOT NULL, hash bytea NOT NULL, topic bytea NOT NULL,
    size integer NOT NULL, rlp bytea NOT NULL, seq bigint GENERATED ALWAYS AS IDENTITY,
    PRIMARY KEY (shh, hash));
  CREATE INDEX IF NOT EXISTS envelopes_in_order ON envelopes (shh, sent, seq, hash);
  CREATE INDEX IF NOT EXISTS envelopes_by_topic ON envelopes (shh, topic, sent, seq, hash);
  CREATE TABLE IF NOT EXISTS envelope_totals (id integer PRIMARY KEY CHECK (id = 0), n bigint NOT NULL, bytes bigint NOT NULL);
  INSERT INTO envelope_totals (id, n, bytes) VALUES (0, 0, 0) ON CONFLICT DO NOTHING;
  CREATE OR REPLACE FUNCTION envelopes_added() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    UPDATE envelope_totals SET n = n + (SELECT count(*) FROM added), bytes = bytes + (SELECT coalesce(sum(size), 0) FROM added) WHERE id = 0;
    RETURN NULL; END $$;
  CREATE OR REPLACE FUNCTION envelopes_removed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    UPDATE envelope_totals SET n = n - (SELECT count(*) FROM removed), bytes = bytes - (SELECT coalesce(sum(size), 0) FROM removed) WHERE id = 0;
    RETURN NULL; END $$;
  CREATE OR REPLACE TRIGGER envelopes_added AFTER INSERT ON envelopes REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION envelopes_added();
  CREATE OR REPLACE TRIGGER envelopes_removed AFTER DELETE ON envelopes REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION envelopes_removed();
  INSERT INTO archive_meta (key, value) VALUES ('format', '${PG_FORMAT_VERSION}') ON CONFLICT DO NOTHING;`

/**
 * Planner settings of the archive's connections. Every statement has its index; left free, the planner
 * judged by statistics that lag behind a table filled in a burst (autovacuum analyzes later) and read
 * a page as a bitmap scan of the whole range and a top-N sort: 80 ms a page instead of under 1 ms on
 * 20,000 envelopes. Plans are made with the values of each run: a prepared statement's generic plan,
 * made without them, cannot tell a topic that matches little from one that matches all.
 */
export const PG_SESSION = { enable_seqscan: 'off', enable_bitmapscan: 'off', plan_cache_mode: 'force_custom_plan' } as const

const EMPTY = Buffer.alloc(0)

/** Every statement the archive runs after the schema, with sample parameters for EXPLAIN. */
export const PG_QUERIES = {
  format: { sql: `SELECT value FROM archive_meta WHERE key = 'format'`, sample: [] },
  totals: { sql: `SELECT n, bytes, pg_total_relation_size('envelopes') AS disk FROM envelope_totals WHERE id = 0`, sample: [] },
  // one statement per batch, its rows in arrival order (the identity follows unnest's order)
  insert: {
    sql: 'INSERT INTO envelopes (shh, sent, hash, topic, size, rlp) SELECT * FROM unnest($1::int2[], $2::int8[], $3::bytea[], $4::bytea[], $5::int4[], $6::bytea[]) ON CONFLICT DO NOTHING',
    sample: [[5], [1], [Buffer.alloc(32)], [Buffer.alloc(4)], [1], [Buffer.alloc(1)]],
  },
  // (sent, seq, hash) > (from, -1, '') starts at `from` itself: every seq is >= 1
  page: {
    sql: 'SELECT sent, seq, hash, rlp FROM envelopes WHERE shh = $1 AND (sent, seq, hash) > ($2, $3, $4) AND sent < $5 ORDER BY sent, seq, hash LIMIT $6',
    sample: [5, 0, -1, EMPTY, 2 ** 32, 64],
  },
  pageTopic: {
    sql: 'SELECT sent, seq, hash, rlp FROM envelopes WHERE shh = $1 AND topic = $2 AND (sent, seq, hash) > ($3, $4, $5) AND sent < $6 ORDER BY sent, seq, hash LIMIT $7',
    sample: [5, Buffer.alloc(4), 0, -1, EMPTY, 2 ** 32, 64],
  },
  // the oldest of a version: the size bound takes from the version whose oldest is older
  oldest: { sql: 'SELECT sent FROM envelopes WHERE shh = $1 ORDER BY sent LIMIT 1', sample: [5] },
  // a version's oldest rows sent before $2, at most $3 of them, by their row address: a walk of the
  // version's order index, then a Tid Scan. Per version, as the reads are: an index on sent alone
  // drew the page reads to it (its order, then a Sort)
  pruneOldest: {
    sql: 'DELETE FROM envelopes WHERE ctid = ANY (ARRAY (SELECT ctid FROM envelopes WHERE shh = $1 AND sent < $2 ORDER BY sent LIMIT $3))',
    sample: [5, 1, 256],
  },
} as const

export type PgQueryName = keyof typeof PG_QUERIES
