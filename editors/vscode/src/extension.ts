// Starts vaultls for Markdown files: from the `vaultls.path` setting, else `vaultls` on PATH.
import * as vscode from "vscode";
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
} from "vscode-languageclient/node";

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
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
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration("vaultls") && client) {
        await client.stop();
        await activate(context);
      }
    })
  );
}

export async function deactivate(): Promise<void> {
  if (client) {
    await client.stop();
  }
}
