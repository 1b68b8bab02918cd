// Room history in an embedded SQLite file, so a reloaded page or a restarted bridge shows what was
// said. Bounded twice: per room and in total, oldest first out. Passwords and keys are never stored:
// a room is known by its id, a hash of topic and key (see rooms.ts).
import Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'

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
  /** It came from a mail server's history answer, not live from the room. */
  history: boolean
}

export interface NewMessage {
  room: string
  /** Identity of the message across envelope copies (see rooms.ts messageKey). */
  key: string
  hash: string
  from: string | null
  sent: number
  received: number
  text: string
  truncated: boolean
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
}

interface MessageRow {
  seq: number
  room: string
  hash: string
  sender: string | null
  sent: number
  received: number
  text: string
  truncated: number
  history: number
}

export class HistoryStore {
  private readonly db: Database.Database
  private readonly opts: HistoryOptions
  private readonly stmts: {
    insert: Database.Statement
    pruneRoom: Database.Statement
    pruneTotal: Database.Statement
    page: Database.Statement
    pageBefore: Database.Statement
    count: Database.Statement
    putRoom: Database.Statement
    getRoom: Database.Statement
  }

  /** `file` is a path, or ':memory:' for a throwaway store. */
  constructor(file: string, opts: HistoryOptions) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true })
    this.opts = opts
    this.db = new Database(file)
    this.db.pragma('journal_mode = WAL')
    this.db.pragma('synchronous = NORMAL')
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
    // stores made before mail server history lack the column
    const cols = this.db.prepare(`PRAGMA table_info(messages)`).all() as { name: string }[]
    if (!cols.some((c) => c.name === 'history')) this.db.exec(`ALTER TABLE messages ADD COLUMN history INTEGER NOT NULL DEFAULT 0`)
    this.stmts = {
      insert: this.db.prepare(
        `INSERT OR IGNORE INTO messages (room, key, hash, sender, sent, received, text, truncated, history)
         VALUES (@room, @key, @hash, @from, @sent, @received, @text, @truncated, @history)`,
      ),
      pruneRoom: this.db.prepare(
        `DELETE FROM messages WHERE room = @room AND seq <= (
           SELECT seq FROM messages WHERE room = @room ORDER BY seq DESC LIMIT 1 OFFSET @keep)`,
      ),
      pruneTotal: this.db.prepare(
        `DELETE FROM messages WHERE seq <= (SELECT seq FROM messages ORDER BY seq DESC LIMIT 1 OFFSET ?)`,
      ),
      page: this.db.prepare(`SELECT * FROM messages WHERE room = ? ORDER BY seq DESC LIMIT ?`),
      pageBefore: this.db.prepare(`SELECT * FROM messages WHERE room = ? AND seq < ? ORDER BY seq DESC LIMIT ?`),
      count: this.db.prepare(`SELECT COUNT(*) AS n FROM messages WHERE room = ?`),
      putRoom: this.db.prepare(`INSERT OR IGNORE INTO rooms (room, topic, created) VALUES (?, ?, ?)`),
      getRoom: this.db.prepare(`SELECT room, topic, created FROM rooms WHERE room = ?`),
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
      const r = this.stmts.insert.run({ ...msg, truncated: msg.truncated ? 1 : 0, history: msg.history ? 1 : 0 })
      if (r.changes === 0) return null
      this.stmts.pruneRoom.run({ room: msg.room, keep: this.opts.perRoom })
      this.stmts.pruneTotal.run(this.opts.total)
      return {
        seq: Number(r.lastInsertRowid),
        room: msg.room,
        hash: msg.hash,
        from: msg.from,
        sent: msg.sent,
        received: msg.received,
        text: msg.text,
        truncated: msg.truncated,
        history: msg.history === true,
      }
    })
    return tx(m)
  }

  /** The newest `limit` messages (before `before` when given), oldest first. */
  list(room: string, limit: number, before?: number): StoredMessage[] {
    const rows = (
      before === undefined ? this.stmts.page.all(room, limit) : this.stmts.pageBefore.all(room, before, limit)
    ) as MessageRow[]
    return rows.reverse().map(toMessage)
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
    history: r.history === 1,
  }
}
