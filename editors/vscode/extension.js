// The cnnc extension: it starts `cnnc lsp` for .cnn files and lets
// vscode-languageclient speak the protocol to it. Highlighting comes from
// the TextMate grammar in syntaxes/, which needs no server.
'use strict';

const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration('cnnc').get('path') || 'cnnc';
  const serverOptions = { command, args: ['lsp'] };
  const clientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'cnn' },
      { scheme: 'untitled', language: 'cnn' },
    ],
  };
  client = new LanguageClient('cnnc', 'cnnc', serverOptions, clientOptions);
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('cnnc.path')) {
        vscode.window.showInformationMessage('cnnc: reload the window to use the new cnnc.path.');
      }
    }),
  );
  return client.start().catch((err) => {
    vscode.window.showErrorMessage(
      `cnnc: could not start "${command} lsp" (${err.message}). Install cnnc with go install github.com/cnnc/cnnc/cmd/cnnc@latest, or set cnnc.path.`,
    );
  });
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
