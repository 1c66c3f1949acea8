/**
 * Where the analytics lake's objects live: S3 on AWS, a local folder on one machine. Keys are
 * `/`-separated paths (`runs/tenant=acme/dt=2026-11-23/<name>.parquet`); a put of an existing
 * key replaces it, which is what makes a retried lake batch overwrite instead of duplicate.
 */
export interface ObjectStore {
  /** writes (or replaces) one object */
  put(key: string, body: Uint8Array, contentType?: string): Promise<void>;
  /** the object's bytes, or null when there is none */
  get(key: string): Promise<Uint8Array | null>;
  /** every key under a prefix, sorted */
  list(prefix: string): Promise<string[]>;
  /** where the objects are, for messages (a folder or `s3://bucket/prefix`) */
  readonly location: string;
}
