/** Running work in one transaction: COMMIT when it resolves, ROLLBACK when it throws. */
import type pg from "pg";

/**
 * Clients whose ROLLBACK failed: their connection is unusable and must not return to the
 * pool. (On PGlite, whose pool shares one in-process connection, this means the embedded
 * database itself failed; the pool cannot replace it.)
 */
const broken = new WeakSet<pg.ClientBase>();

/** Runs `work` in a transaction on a client already checked out. */
export async function inTransaction<T>(client: pg.ClientBase, work: () => Promise<T>): Promise<T> {
  await client.query("BEGIN");
  try {
    const result = await work();
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => broken.add(client));
    throw error;
  }
}

/** Checks a client out of the pool, runs `work` in a transaction on it, and returns it to the pool. */
export async function withTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    return await inTransaction(client, () => work(client));
  } finally {
    client.release(broken.has(client) ? new Error("connection failed during ROLLBACK") : undefined);
  }
}
