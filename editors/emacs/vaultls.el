;;; vaultls.el --- vaultls for Emacs (eglot or lsp-mode)  -*- lexical-binding: t; -*-

;; eglot (built into Emacs 29):
(with-eval-after-load 'eglot
  (add-to-list 'eglot-server-programs
               '((markdown-mode gfm-mode markdown-ts-mode) . ("vaultls" "lsp"))))
;; then M-x eglot in a note, or: (add-hook 'markdown-mode-hook #'eglot-ensure)

;; lsp-mode:
(with-eval-after-load 'lsp-mode
  (add-to-list 'lsp-language-id-configuration '(markdown-mode . "markdown"))
  (lsp-register-client
   (make-lsp-client
    :new-connection (lsp-stdio-connection '("vaultls" "lsp"))
    :activation-fn (lsp-activate-on "markdown")
    :server-id 'vaultls)))
;; then (add-hook 'markdown-mode-hook #'lsp-deferred)

(provide 'vaultls)
;;; vaultls.el ends here
