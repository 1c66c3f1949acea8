#!/usr/bin/env node
// Checks what `npm test` needs from the machine and says clearly what is missing:
// PostgreSQL on 127.0.0.1:5432 (db "test"), Redis on 127.0.0.1:6379, Debian's Chromium for browser tests.
// `.ci/run` starts the services and installs Chromium when they are missing.
import { existsSync } from "node:fs";
import net from "node:net";

const CHROMIUM = process.env.JOBLEDGER_CHROMIUM ?? "/usr/bin/chromium";

function reachable(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 2000 });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
  });
}

const missing = [];
if (!(await reachable("127.0.0.1", 5432)))
  missing.push(
    "PostgreSQL is not answering on 127.0.0.1:5432 — start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
  );
if (!(await reachable("127.0.0.1", 6379)))
  missing.push(
    'Redis is not answering on 127.0.0.1:6379 — start it: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no',
  );
if (!existsSync(CHROMIUM))
  missing.push(`Chromium is not at ${CHROMIUM} — install Debian's package: apt-get install -y chromium`);

if (missing.length > 0) {
  process.stderr.write(
    `The test suite needs these on this machine:\n${missing.map((m) => `  - ${m}`).join("\n")}\n`,
  );
  process.exit(1);
}
