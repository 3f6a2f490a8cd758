// Users and API keys on SQLite: the UserStore the credential verifier reads.
import type { StoredUser, UserStore } from "../contract.js";
import { toUser, type UserRow } from "../rows.js";
import type { Reader } from "./rows.js";

export class SqliteUserStore implements UserStore {
  constructor(
    private readonly reader: Reader,
    private readonly transaction: (work: () => void) => void,
  ) {}

  async findUser(username: string): Promise<StoredUser | undefined> {
    const row = this.reader.objects(`SELECT * FROM users WHERE username = ?`).get(username) as UserRow | undefined;
    return row && toUser(row);
  }

  async findApiKey(keyHash: string): Promise<StoredUser | undefined> {
    const row = this.reader
      .objects(`SELECT u.* FROM api_keys k JOIN users u ON u.username = k.username WHERE k.key_hash = ?`)
      .get(keyHash) as UserRow | undefined;
    return row && toUser(row);
  }

  async insertUsers(users: StoredUser[]): Promise<void> {
    const insert = this.reader.stmt(`INSERT INTO users VALUES (?, ?, ?, ?, ?)`);
    this.transaction(() => {
      for (const u of users) {
        insert.run(u.username, u.passwordHash, JSON.stringify(u.roles), JSON.stringify(u.accountIds), u.customerId ?? null);
      }
    });
  }

  async insertApiKey(keyHash: string, username: string, label?: string): Promise<void> {
    this.reader
      .stmt(`INSERT INTO api_keys VALUES (?, (SELECT username FROM users WHERE username = ?), ?, ?)`)
      .run(keyHash, username, label ?? null, new Date().toISOString());
  }
}
