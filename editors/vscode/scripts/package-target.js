// Makes the platform-specific package that carries the server:
//   npm run package:target -- <vsce target> <path to the vaultls binary>
//   npm run package:target -- linux-x64 ../../target/release/vaultls
// The binary is copied to server/ (where the extension looks first), `vsce package --target`
// writes vaultls-<target>.vsix, and server/ is removed again.
"use strict";
const { execFileSync } = require("child_process");
const fs = require("fs");
const path = require("path");

const [target, binary] = process.argv.slice(2);
const TARGETS = [
  "win32-x64", "win32-arm64", "linux-x64", "linux-arm64", "linux-armhf",
  "alpine-x64", "alpine-arm64", "darwin-x64", "darwin-arm64",
];
if (!TARGETS.includes(target) || !binary) {
  console.error(`usage: npm run package:target -- <${TARGETS.join("|")}> <path to vaultls>`);
  process.exit(2);
}
if (!fs.existsSync(binary) || !fs.statSync(binary).isFile()) {
  console.error(`no server binary at ${binary}`);
  process.exit(2);
}
const root = path.join(__dirname, "..");
const serverDir = path.join(root, "server");
const exe = target.startsWith("win32") ? "vaultls.exe" : "vaultls";
fs.rmSync(serverDir, { recursive: true, force: true });
fs.mkdirSync(serverDir);
fs.copyFileSync(binary, path.join(serverDir, exe));
fs.chmodSync(path.join(serverDir, exe), 0o755);
try {
  const vsce = path.join(root, "node_modules", ".bin", process.platform === "win32" ? "vsce.cmd" : "vsce");
  execFileSync(vsce, ["package", "--target", target, "--out", `vaultls-${target}.vsix`], {
    cwd: root,
    stdio: "inherit",
    shell: process.platform === "win32",
  });
} finally {
  fs.rmSync(serverDir, { recursive: true, force: true });
}
