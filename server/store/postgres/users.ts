// Users and API keys on PostgreSQL: the UserStore the credential verifier reads. Every
// instance reads the same tables, so a key created through one works on all of them.
import type { StoredUser, UserStore } from "../contract.js";
import { toUser, type UserRow } from "../rows.js";
import type { Sql } from "./connect.js";

export class PostgresUserStore implements UserStore {
  constructor(private readonly sql: Sql) {}

  async findUser(username: string): Promise<StoredUser | undefined> {
    const [row] = await this.sql<UserRow[]>`SELECT * FROM users WHERE lower(username) = lower(${username})`;
    return row && toUser(row);
  }

  async findApiKey(keyHash: string): Promise<StoredUser | undefined> {
    const [row] = await this.sql<
      UserRow[]
    >`SELECT u.* FROM api_keys k JOIN users u ON u.username = k.username WHERE k.key_hash = ${keyHash}`;
    return row && toUser(row);
  }

  async insertUsers(users: StoredUser[]): Promise<void> {
    if (users.length === 0) return;
    await this.sql.begin(async (tx) => {
      for (const u of users) {
        await tx`INSERT INTO users(username, password_hash, roles, account_ids, customer_id)
          VALUES (${u.username}, ${u.passwordHash}, ${JSON.stringify(u.roles)}, ${JSON.stringify(u.accountIds)}, ${u.customerId ?? null})`;
      }
    });
  }

  async insertApiKey(keyHash: string, username: string, label?: string): Promise<void> {
    await this.sql`INSERT INTO api_keys(key_hash, username, label)
      VALUES (${keyHash}, (SELECT username FROM users WHERE lower(username) = lower(${username})), ${label ?? null})`;
  }
}
