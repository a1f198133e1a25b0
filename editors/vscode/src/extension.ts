// Starts vaultls for Markdown files: from the `vaultls.path` setting, else `vaultls` on PATH.
import * as vscode from "vscode";
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
} from "vscode-languageclient/node";

let client: LanguageClient | undefined;

async function start(): Promise<void> {
  const config = vscode.workspace.getConfiguration("vaultls");
  const command = config.get<string>("path") || "vaultls";
  const env = { ...process.env, VAULTLS_LOG: config.get<string>("log") || "warn" };
  const serverOptions: ServerOptions = {
    run: { command, args: ["lsp"], options: { env } },
    debug: { command, args: ["lsp"], options: { env } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "markdown" },
      { scheme: "untitled", language: "markdown" },
    ],
  };
  client = new LanguageClient("vaultls", "vaultls", serverOptions, clientOptions);
  try {
    await client.start();
  } catch (err) {
    void vscode.window.showErrorMessage(
      `vaultls could not start "${command}": ${err}. Install it (cargo install --path .) or set vaultls.path.`
    );
  }
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  // The backlink count code lens opens the references view.
  context.subscriptions.push(
    vscode.commands.registerCommand(
      "vaultls.showBacklinks",
      (uri: string, pos: { line: number; character: number }) =>
        vscode.commands.executeCommand(
          "editor.action.findReferences",
          vscode.Uri.parse(uri),
          new vscode.Position(pos.line, pos.character)
        )
    ),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration("vaultls")) {
        await client?.stop();
        await start();
      }
    })
  );
  await start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
