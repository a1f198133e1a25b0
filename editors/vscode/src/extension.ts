// Starts vaultls for Markdown files. The server is `vaultls.path` when set, else the binary
// this extension carries (a platform-specific package: server/vaultls), else `vaultls` on
// PATH. A missing server is said once; the extension starts it as soon as it appears or the
// setting changes, with no window reload.
import * as fs from "fs";
import * as path from "path";
import * as vscode from "vscode";
import {
  DidChangeConfigurationNotification,
  LanguageClient,
  LanguageClientOptions,
  Location as LspLocation,
  ServerOptions,
} from "vscode-languageclient/node";

const EXE = process.platform === "win32" ? "vaultls.exe" : "vaultls";
/** Settings that change how the server is started; the others go to the running server. */
const START_SETTINGS = ["vaultls.path", "vaultls.log"];
/** The sections of the server's settings (the same as `.vaultls.toml`'s). */
const SERVER_SECTIONS = ["diagnostics", "completion", "vault", "hints"];
/** How often a missing server is looked for again. */
const RETRY_MS = 5000;

let client: LanguageClient | undefined;
let retry: NodeJS.Timeout | undefined;
let warned = false;

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** `name` on PATH (with PATHEXT on Windows), as a shell would find it. */
function onPath(name: string): string | undefined {
  const exts =
    process.platform === "win32"
      ? ["", ...(process.env.PATHEXT || ".EXE").split(";").map((e) => e.toLowerCase())]
      : [""];
  for (const dir of (process.env.PATH || "").split(path.delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      if (isFile(candidate)) return candidate;
    }
  }
  return undefined;
}

/** The server to run, and where it was looked for. */
function findServer(context: vscode.ExtensionContext): { command?: string; tried: string } {
  const configured = (vscode.workspace.getConfiguration("vaultls").get<string>("path") || "").trim();
  if (configured) {
    if (path.isAbsolute(configured) || configured.includes("/") || configured.includes("\\")) {
      return isFile(configured)
        ? { command: configured, tried: configured }
        : { tried: `vaultls.path (${configured})` };
    }
    const found = onPath(configured);
    return found ? { command: found, tried: configured } : { tried: `"${configured}" on PATH` };
  }
  const bundled = context.asAbsolutePath(path.join("server", EXE));
  if (isFile(bundled)) return { command: bundled, tried: bundled };
  const found = onPath("vaultls");
  return found ? { command: found, tried: "vaultls" } : { tried: "the bundled server and PATH" };
}

/** The server's settings, as `initializationOptions` and `workspace/didChangeConfiguration`. */
function serverSettings(): Record<string, unknown> {
  const config = vscode.workspace.getConfiguration("vaultls");
  const out: Record<string, unknown> = {};
  for (const section of SERVER_SECTIONS) {
    const value = config.get<Record<string, unknown>>(section);
    if (value && Object.keys(value).length > 0) out[section] = value;
  }
  return out;
}

async function stop(): Promise<void> {
  const running = client;
  client = undefined;
  if (!running) return;
  try {
    // A client whose server never started cannot be stopped, only dropped.
    if (running.isRunning()) await running.stop();
  } catch {
    // Already stopped.
  }
}

async function start(context: vscode.ExtensionContext): Promise<void> {
  await stop();
  const { command, tried } = findServer(context);
  if (!command) {
    if (!warned) {
      warned = true;
      const choice = await vscode.window.showErrorMessage(
        `vaultls: no server found (looked for ${tried}). Install it (cargo install vaultls --locked, ` +
          `or cargo binstall vaultls) or set vaultls.path; it starts as soon as it is there.`,
        "Open Settings"
      );
      if (choice === "Open Settings") {
        void vscode.commands.executeCommand("workbench.action.openSettings", "vaultls.path");
      }
    }
    retry ??= setInterval(() => {
      if (findServer(context).command) void start(context);
    }, RETRY_MS);
    return;
  }
  if (retry) {
    clearInterval(retry);
    retry = undefined;
  }
  warned = false;
  const log = vscode.workspace.getConfiguration("vaultls").get<string>("log") || "warn";
  const env = { ...process.env, VAULTLS_LOG: log };
  const serverOptions: ServerOptions = {
    run: { command, args: ["lsp"], options: { env } },
    debug: { command, args: ["lsp"], options: { env } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "markdown" },
      { scheme: "untitled", language: "markdown" },
    ],
    initializationOptions: serverSettings(),
  };
  client = new LanguageClient("vaultls", "vaultls", serverOptions, clientOptions);
  try {
    await client.start();
  } catch (err) {
    void vscode.window.showErrorMessage(`vaultls: the server at ${command} did not start: ${err}`);
    await stop();
  }
}

async function showLocations(uri: vscode.Uri, at: vscode.Position, locations: vscode.Location[]) {
  await vscode.commands.executeCommand("editor.action.showReferences", uri, at, locations);
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  context.subscriptions.push(
    // The backlink count code lens opens the references view.
    vscode.commands.registerCommand(
      "vaultls.showBacklinks",
      (uri?: string, pos?: { line: number; character: number }) => {
        const editor = vscode.window.activeTextEditor;
        const target = uri ? vscode.Uri.parse(uri) : editor?.document.uri;
        if (!target) return;
        const position = pos ? new vscode.Position(pos.line, pos.character) : new vscode.Position(0, 0);
        return vscode.commands.executeCommand("editor.action.findReferences", target, position);
      }
    ),
    // The server's command, for the note in the editor, from the palette.
    vscode.commands.registerCommand("vaultls.showUnlinkedMentions", async () => {
      const editor = vscode.window.activeTextEditor;
      if (!client || !editor) return;
      const uri = editor.document.uri;
      const found = await client.sendRequest<LspLocation[] | null>("workspace/executeCommand", {
        command: "vaultls.unlinkedMentions",
        arguments: [uri.toString()],
      });
      const locations = (found || []).map((l) => client!.protocol2CodeConverter.asLocation(l));
      if (locations.length === 0) {
        void vscode.window.showInformationMessage("vaultls: no unlinked mentions of this note");
        return;
      }
      await showLocations(uri, editor.selection.active, locations);
    }),
    vscode.commands.registerCommand("vaultls.restart", () => {
      warned = false;
      return start(context);
    }),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (START_SETTINGS.some((s) => e.affectsConfiguration(s))) {
        warned = false;
        await start(context);
      } else if (e.affectsConfiguration("vaultls") && client?.isRunning()) {
        await client.sendNotification(DidChangeConfigurationNotification.type, {
          settings: { vaultls: serverSettings() },
        });
      }
    }),
    { dispose: () => retry && clearInterval(retry) }
  );
  await start(context);
}

export async function deactivate(): Promise<void> {
  if (retry) clearInterval(retry);
  await stop();
}
