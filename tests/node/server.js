// What every Node test needs: a real `cognate` on a free loopback port, and the codes it sent.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BIN =
  process.env.COGNATE_BIN ??
  join(process.env.CARGO_TARGET_DIR ?? join(ROOT, "target"), "debug", "cognate");
export const ACCESS_KEY = "AKIDNODETEST";
export const SECRET_KEY = "node-test-secret";

// Starts the binary with admin signatures checked; resolves to its URL and a stop function.
export async function startCognate(dataDirPrefix) {
  assert.ok(existsSync(BIN), `${BIN} does not exist: build it with cargo build -p cognate-server`);
  const dataDir = mkdtempSync(join(tmpdir(), dataDirPrefix));
  const server = spawn(BIN, ["serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir], {
    env: { ...process.env, COGNATE_ADMIN_CREDENTIALS: `${ACCESS_KEY}:${SECRET_KEY}`, RUST_LOG: "warn" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const stop = () => {
    server.kill("SIGTERM");
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const url = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("cognate did not start in 60 s")), 60_000);
      const lines = createInterface({ input: server.stdout });
      lines.on("line", (line) => {
        if (line.startsWith("cognate listening on ")) {
          clearTimeout(timer);
          resolve(line.slice("cognate listening on ".length).trim());
        }
      });
      server.on("exit", (code) => reject(new Error(`cognate exited early (${code})`)));
    });
    return { url, stop };
  } catch (error) {
    stop();
    throw error;
  }
}

// The code of the newest message to `destination`, read from the outbox endpoint.
export async function latestCode(url, destination) {
  const response = await fetch(`${url}/_cognate/messages?destination=${encodeURIComponent(destination)}&limit=1`);
  assert.equal(response.status, 200);
  const { messages } = await response.json();
  assert.equal(messages.length, 1, `no message to ${destination}`);
  return messages[0].code;
}
