/**
 * The lake on S3 (and any S3 API: s3rver in tests). Keys are written under `prefix`, so a
 * rebuild can write a second copy beside the live one.
 */
import {
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import type { ObjectStore } from "../../ports/object-store.ts";

export interface S3ObjectStoreOptions {
  bucket: string;
  /** key prefix inside the bucket, e.g. "" or "rebuild-2026-11-23/" */
  prefix?: string;
  client?: S3Client;
  /** used when no client is given */
  clientConfig?: S3ClientConfig;
}

/** An S3 client for an S3 API at `endpoint` (path-style, as s3rver and MinIO need), or AWS's. */
export function createS3Client(options: {
  region: string;
  endpoint?: string;
  credentials?: S3ClientConfig["credentials"];
}): S3Client {
  return new S3Client({
    region: options.region,
    ...(options.endpoint
      ? {
          endpoint: options.endpoint,
          forcePathStyle: true,
          // s3rver stores streamed bodies with checksum trailers corrupted otherwise
          requestChecksumCalculation: "WHEN_REQUIRED",
          responseChecksumValidation: "WHEN_REQUIRED",
        }
      : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
}

export function createS3ObjectStore(options: S3ObjectStoreOptions): ObjectStore {
  const client = options.client ?? new S3Client(options.clientConfig ?? {});
  const prefix = options.prefix ?? "";
  const bucket = options.bucket;
  return {
    location: `s3://${bucket}/${prefix}`,
    async put(key, body, contentType = "application/octet-stream") {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: prefix + key,
          Body: body,
          ContentType: contentType,
          ContentLength: body.byteLength,
        }),
      );
    },
    async get(key) {
      try {
        const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: prefix + key }));
        return out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
      } catch (error) {
        if (error instanceof NoSuchKey || (error as { name?: string }).name === "NoSuchKey") return null;
        throw error;
      }
    },
    async list(keyPrefix) {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix + keyPrefix, ContinuationToken: token }),
        );
        for (const item of page.Contents ?? []) if (item.Key) keys.push(item.Key.slice(prefix.length));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return keys.sort();
    },
  };
}
