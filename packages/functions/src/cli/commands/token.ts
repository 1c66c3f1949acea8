/**
 * `jobledger token mint`: a JWT from the local issuer (the key pair in the data folder), for
 * any tenant and role, e.g. to try the API as a viewer of another tenant.
 */
import path from "node:path";
import { localIssuer, parseTtl } from "@jobledger/core/adapters/auth/local-issuer";
import { isRole, isTenantId, ROLES, TENANT_PATTERN } from "@jobledger/core/auth/principal";
import type { Command } from "commander";
import { CliError } from "../program.ts";

interface MintOptions {
  tenant: string;
  role: string;
  subject?: string;
  ttl: string;
  dataDir?: string;
}

export function register(program: Command): void {
  const token = program.command("token").description("tokens from the local issuer");
  token
    .command("mint")
    .description("print a JWT signed by the local issuer (key in <data folder>/auth/)")
    .option(
      "--tenant <tenant>",
      "tenant the token acts in",
      process.env.JOBLEDGER_DEFAULT_TENANT ?? "default",
    )
    .option("--role <role>", `one of ${ROLES.join(", ")}`, "admin")
    .option("--subject <subject>", "the user (recorded as actor user:<subject>)")
    .option("--ttl <ttl>", "lifetime: 90s, 15m, 1h, 30d", "1h")
    .option("--data-dir <dir>", "data folder (default: JOBLEDGER_DATA_DIR or .data)")
    .action(async (options: MintOptions) => {
      process.stdout.write(`${await mintToken(options)}\n`);
    });
}

export async function mintToken(options: MintOptions): Promise<string> {
  if (!isTenantId(options.tenant))
    throw new CliError(`--tenant "${options.tenant}" is not a valid tenant id (${TENANT_PATTERN.source})`);
  if (!isRole(options.role))
    throw new CliError(`--role must be one of ${ROLES.join(", ")}, got "${options.role}"`);
  const ttlSeconds = parseTtl(options.ttl);
  if (ttlSeconds === null)
    throw new CliError(`--ttl "${options.ttl}" is not a duration like 90s, 15m, 1h or 30d`);
  const dataDir = path.resolve(options.dataDir ?? process.env.JOBLEDGER_DATA_DIR ?? ".data");
  let issuer: Awaited<ReturnType<typeof localIssuer>>;
  try {
    issuer = await localIssuer(dataDir, { create: false });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new CliError(`no local issuer key in ${dataDir}/auth: start the local system once (npm start)`);
    }
    throw error;
  }
  return issuer.mint({
    tenant: options.tenant,
    role: options.role,
    subject: options.subject ?? `${options.role}@${options.tenant}`,
    ttlSeconds,
  });
}
