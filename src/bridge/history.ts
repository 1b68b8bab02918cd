// Room history in an embedded SQLite file, so a reloaded page or a restarted bridge shows what was
// said. Bounded three times: messages per room, messages in total and bytes of text in total (1,000
// rows of 8 KiB of invalid UTF-8 decode to 28 MiB of text), oldest first out. Passwords and keys are
// never stored: a room is known by its id, a hash of topic and key (see rooms.ts). The file holds
// decrypted room text: it is created 0600 in a directory created 0700 (as geth does its datadir).
import type Database from 'better-sqlite3'
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs'
import { dirname } from 'node:path'
import { loadSqlite } from '../node/sqlite.js'

export interface StoredMessage {
  /** Arrival order in this store; also the cursor for paging (`before`). */
  seq: number
  room: string
  /** Envelope hash (hex) of the copy that arrived first. */
  hash: string
  /** Sender's 20-byte address (hex), null for unsigned messages. */
  from: string | null
  /** Unix seconds, as the sender sealed it. */
  sent: number
  /** Unix seconds when this bridge got it. */
  received: number
  text: string
  /** The text was cut to the bridge's size limit. */
  truncated: boolean
  /** 40-hex address of the version gateway that carried it across shh versions (`from` is the verified original sender) */
  relayedBy?: string
  /** Sent by this bridge and expired before reaching any peer: why */
  undelivered?: string
  /** It came from a mail server's history answer, not live from the room. */
  history: boolean
}

/** A message as it arrives, before the store numbers it; only a sent one can later be marked undelivered. */
export interface NewMessage extends Omit<StoredMessage, 'seq' | 'undelivered' | 'history'> {
  /** Identity of the message across envelope copies (see rooms.ts messageKey). */
  key: string
  history?: boolean
}

export interface StoredRoom {
  room: string
  topic: string
  created: number
}

export interface HistoryOptions {
  perRoom: number
  total: number
  /** UTF-8 bytes of message text kept in total (default DEFAULT_HISTORY_BYTES) */
  totalBytes?: number
}

const DEFAULT_HISTORY_BYTES = 64 * 1024 * 1024

interface MessageRow {
  seq: number
  room: string
  hash: string
  sender: string | null
  sent: number
  received: number
  text: string
  truncated: number
  relayed_by: string | null
  undelivered: string | null
  history: number
}

export class HistoryStore {
  private readonly db!: Database.Database
  private readonly opts: HistoryOptions
  private readonly stmts!: {
    insert: Database.Statement
    pruneRoom: Database.Statement
    pruneTotal: Database.Statement
    page: Database.Statement
    pageBefore: Database.Statement
    count: Database.Statement
    pruneOldest: Database.Statement
    putRoom: Database.Statement
    getRoom: Database.Statement
    markUndelivered: Database.Statement
    bySeq: Database.Statement
  }

  private textBytes = 0
  private readonly maxBytes: number

  /** `file` is a path, or ':memory:' for a throwaway store. Errors name the file. */
  constructor(file: string, opts: HistoryOptions) {
    this.opts = opts
    this.maxBytes = opts.totalBytes ?? DEFAULT_HISTORY_BYTES
    const Sqlite = loadSqlite("the bridge's room history")
    try {
      if (file !== ':memory:') {
        mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
        // SQLite gives its -wal and -shm files the mode of the database file
        if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600))
        chmodSync(file, 0o600)
      }
      this.db = new Sqlite(file)
      this.db.pragma('journal_mode = WAL')
      this.db.pragma('synchronous = NORMAL')
      this.stmts = this.init()
    } catch (err) {
      throw new Error(`cannot open the history database ${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
    }
    this.textBytes = (this.db.prepare(`SELECT COALESCE(SUM(LENGTH(CAST(text AS BLOB))), 0) AS n FROM messages`).get() as { n: number }).n
  }

  private init(): HistoryStore['stmts'] {
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS rooms (
        room TEXT PRIMARY KEY,
        topic TEXT NOT NULL,
        created INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS messages (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        room TEXT NOT NULL,
        key TEXT NOT NULL,
        hash TEXT NOT NULL,
        sender TEXT,
        sent INTEGER NOT NULL,
        received INTEGER NOT NULL,
        text TEXT NOT NULL,
        truncated INTEGER NOT NULL DEFAULT 0,
        UNIQUE (room, key)
      );
      CREATE INDEX IF NOT EXISTS messages_by_room ON messages (room, seq);
    `)
    // columns added later: a history file from an older bridge gains them
    const columns = new Set((this.db.prepare(`PRAGMA table_info(messages)`).all() as { name: string }[]).map((c) => c.name))
    if (!columns.has('relayed_by')) this.db.exec(`ALTER TABLE messages ADD COLUMN relayed_by TEXT`)
    if (!columns.has('undelivered')) this.db.exec(`ALTER TABLE messages ADD COLUMN undelivered TEXT`)
    // stores made before mail server history lack the column
    if (!columns.has('history')) this.db.exec(`ALTER TABLE messages ADD COLUMN history INTEGER NOT NULL DEFAULT 0`)
    return {
      insert: this.db.prepare(
        `INSERT OR IGNORE INTO messages (room, key, hash, sender, sent, received, text, truncated, relayed_by, history)
         VALUES (@room, @key, @hash, @from, @sent, @received, @text, @truncated, @relayedBy, @history)`,
      ),
      pruneRoom: this.db.prepare(
        `DELETE FROM messages WHERE room = @room AND seq <= (
           SELECT seq FROM messages WHERE room = @room ORDER BY seq DESC LIMIT 1 OFFSET @keep)
         RETURNING LENGTH(CAST(text AS BLOB)) AS n`,
      ),
      pruneTotal: this.db.prepare(
        `DELETE FROM messages WHERE seq <= (SELECT seq FROM messages ORDER BY seq DESC LIMIT 1 OFFSET ?)
         RETURNING LENGTH(CAST(text AS BLOB)) AS n`,
      ),
      pruneOldest: this.db.prepare(
        `DELETE FROM messages WHERE seq IN (SELECT seq FROM messages ORDER BY seq LIMIT ?) RETURNING LENGTH(CAST(text AS BLOB)) AS n`,
      ),
      page: this.db.prepare(`SELECT * FROM messages WHERE room = ? ORDER BY seq DESC LIMIT ?`),
      pageBefore: this.db.prepare(`SELECT * FROM messages WHERE room = ? AND seq < ? ORDER BY seq DESC LIMIT ?`),
      count: this.db.prepare(`SELECT COUNT(*) AS n FROM messages WHERE room = ?`),
      putRoom: this.db.prepare(`INSERT OR IGNORE INTO rooms (room, topic, created) VALUES (?, ?, ?)`),
      getRoom: this.db.prepare(`SELECT room, topic, created FROM rooms WHERE room = ?`),
      markUndelivered: this.db.prepare(`UPDATE messages SET undelivered = ? WHERE room = ? AND hash = ? RETURNING seq`),
      bySeq: this.db.prepare(`SELECT * FROM messages WHERE seq = ?`),
    }
  }

  rememberRoom(room: string, topic: string, created: number): void {
    this.stmts.putRoom.run(room, topic, created)
  }

  room(room: string): StoredRoom | undefined {
    return this.stmts.getRoom.get(room) as StoredRoom | undefined
  }

  /** Stores a message; returns it, or null when another copy of it is already stored. */
  add(m: NewMessage): StoredMessage | null {
    const tx = this.db.transaction((msg: NewMessage): StoredMessage | null => {
      const r = this.stmts.insert.run({ ...msg, truncated: msg.truncated ? 1 : 0, relayedBy: msg.relayedBy ?? null, history: msg.history ? 1 : 0 })
      if (r.changes === 0) return null
      const size = Buffer.byteLength(msg.text, 'utf8')
      this.textBytes += size
      this.forget(this.stmts.pruneRoom.all({ room: msg.room, keep: this.opts.perRoom }))
      this.forget(this.stmts.pruneTotal.all(this.opts.total))
      // oldest out until the text fits (a message bigger than the whole bound goes at once too)
      while (this.textBytes > this.maxBytes) {
        const gone = this.stmts.pruneOldest.all(1) as { n: number }[]
        if (gone.length === 0) break
        this.forget(gone)
      }
      if (size > this.maxBytes) return null // went out with the rest
      return {
        seq: Number(r.lastInsertRowid),
        room: msg.room,
        hash: msg.hash,
        from: msg.from,
        sent: msg.sent,
        received: msg.received,
        text: msg.text,
        truncated: msg.truncated,
        ...(msg.relayedBy ? { relayedBy: msg.relayedBy } : {}),
        history: msg.history === true,
      }
    })
    return tx(m)
  }

  /** Marks an own message as not delivered; returns it as now stored, or null when it is gone. */
  markUndelivered(room: string, hash: string, why: string): StoredMessage | null {
    const row = this.stmts.markUndelivered.get(why, room, hash) as { seq: number } | undefined
    if (!row) return null
    return toMessage(this.stmts.bySeq.get(row.seq) as MessageRow)
  }

  /** The newest `limit` messages (before `before` when given), oldest first. */
  list(room: string, limit: number, before?: number): StoredMessage[] {
    const rows = (
      before === undefined ? this.stmts.page.all(room, limit) : this.stmts.pageBefore.all(room, before, limit)
    ) as MessageRow[]
    return rows.reverse().map(toMessage)
  }

  /** UTF-8 bytes of text stored now (bounded by `totalBytes`). */
  get bytes(): number {
    return this.textBytes
  }

  private forget(rows: unknown[]): void {
    for (const r of rows as { n: number }[]) this.textBytes -= r.n
  }

  count(room: string): number {
    return (this.stmts.count.get(room) as { n: number }).n
  }

  close(): void {
    if (this.db.open) this.db.close()
  }
}

function toMessage(r: MessageRow): StoredMessage {
  return {
    seq: r.seq,
    room: r.room,
    hash: r.hash,
    from: r.sender,
    sent: r.sent,
    received: r.received,
    text: r.text,
    truncated: r.truncated !== 0,
    ...(r.relayed_by ? { relayedBy: r.relayed_by } : {}),
    ...(r.undelivered ? { undelivered: r.undelivered } : {}),
    history: r.history === 1,
  }
}
