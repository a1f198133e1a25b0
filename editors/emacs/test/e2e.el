;;; e2e.el --- Emacs with eglot drives vaultls  -*- lexical-binding: t; -*-

;; Headless end-to-end test: Emacs (Debian's 28 with elpa-eglot 1.9 and elpa-markdown-mode in
;; CI) loads editors/emacs/vaultls.el as a user would and works on a copy of the sample vault.
;; Run by tests/emacs.rs:
;;   VAULT=… PATH=<dir of vaultls>:$PATH emacs --batch -l editors/emacs/test/e2e.el
;; Prints `vaultls emacs e2e: OK` and exits 0, or prints the failure and exits 1.
;;
;; The vault has no version control, so eglot names the note's own folder (People/) as the
;; project: the server must find the vault above it.

(require 'package)
(package-initialize)
(require 'cl-lib)
(require 'eglot)
(require 'markdown-mode)

(defvar e2e-vault (or (getenv "VAULT") (error "VAULT not set")))
(defvar e2e-here (file-name-directory (or load-file-name buffer-file-name)))
(defvar e2e-messages nil "Every message shown, newest first.")

(advice-add 'message :before
            (lambda (format &rest args)
              (when format
                (push (apply #'format-message format args) e2e-messages))))

(defvar e2e-published nil "publishDiagnostics received: (file . count), newest first.")

(advice-add 'eglot-handle-notification :before
            (lambda (_server method &rest params)
              (when (eq method 'textDocument/publishDiagnostics)
                (push (cons (file-name-nondirectory (eglot--uri-to-path (plist-get params :uri)))
                            (length (plist-get params :diagnostics)))
                      e2e-published))))

(defun e2e-fail (fmt &rest args)
  (princ (format "vaultls emacs e2e: FAIL: %s\n" (apply #'format fmt args)))
  (princ (format "publishDiagnostics received (newest first): %S\n" e2e-published))
  (dolist (buffer (buffer-list))
    (when (string-match-p "EGLOT.*events" (buffer-name buffer))
      (princ (format "--- %s (end) ---\n%s\n" (buffer-name buffer)
                     (with-current-buffer buffer
                       (buffer-substring (max (point-min) (- (point-max) 6000)) (point-max))))))
    (when (string-match-p "EGLOT.*stderr" (buffer-name buffer))
      (princ (format "--- %s ---\n%s\n" (buffer-name buffer)
                     (with-current-buffer buffer (buffer-string))))))
  (kill-emacs 1))

(defun e2e-wait (what pred &optional seconds)
  "Wait until PRED returns non-nil (at most SECONDS, 20 by default); its value."
  (let ((deadline (+ (float-time) (or seconds 20)))
        (value nil))
    (while (and (not (setq value (funcall pred)))
                (< (float-time) deadline))
      (accept-process-output nil 0.1))
    (or value (e2e-fail "timed out waiting for %s" what))))

(defun e2e-goto (text &optional extra)
  "Point on the first TEXT of the buffer, EXTRA characters in."
  (goto-char (point-min))
  (unless (search-forward text nil t)
    (e2e-fail "no %S in %s" text (buffer-name)))
  (goto-char (+ (match-beginning 0) (or extra 0))))

(defun e2e-request (method params)
  (jsonrpc-request (eglot--current-server-or-lose) method params))

(defun e2e-file (path)
  (expand-file-name path e2e-vault))

(defun e2e-run ()
  (load (expand-file-name "../vaultls.el" e2e-here))
  ;; Batch mode has no one to answer: yes to "Server wants to edit … Proceed?".
  (fset 'y-or-n-p (lambda (&rest _) t))
  (find-file (e2e-file "People/Tomer Hagay.md"))
  (unless (derived-mode-p 'markdown-mode)
    (e2e-fail "the note opened in %s, not markdown-mode" major-mode))
  (let ((eglot-sync-connect t))
    (apply #'eglot (eglot--guess-contact)))
  (e2e-wait "eglot to manage the note" (lambda () (eglot-current-server)))

  ;; The whole vault is indexed once references on Tomer's title list a meeting.
  (let ((meeting "Meetings/2025/2025-11-07 - Weekly sync on the release train.md"))
    (e2e-wait
     "backlinks from the whole vault"
     (lambda ()
       (e2e-goto "# Tomer Hagay" 3)
       (let ((refs (e2e-request :textDocument/references
                                (append (eglot--TextDocumentPositionParams)
                                        '(:context (:includeDeclaration :json-false))))))
         (cl-some (lambda (loc)
                    (string-suffix-p meeting (eglot--uri-to-path (plist-get loc :uri))))
                  refs)))))

  ;; Findings arrive through flymake: [[Microsoft]] is broken, [[Jeff Denworth]] is not.
  ;; Emacs 28's jsonrpc reads the messages of one chunk of output in a loop that the reply to
  ;; a blocking request (the references above) leaves by a throw: a publish right behind it
  ;; in the same chunk waits for the server's next output (in a session, the next keystroke's
  ;; answer). The loop below asks for the outline as an editor would, and restarts flymake,
  ;; which asks eglot when it starts (on display, edits or idle time in a session).
  (e2e-wait "a broken-link finding for [[Microsoft]]"
            (lambda ()
              (or (cl-some (lambda (d) (string-match-p "\"Microsoft\"" (flymake-diagnostic-text d)))
                           (flymake-diagnostics))
                  (progn
                    (e2e-request :textDocument/documentSymbol
                                 (list :textDocument (eglot--TextDocumentIdentifier)))
                    (flymake-start)
                    nil))))
  (when (cl-some (lambda (d) (string-match-p "Jeff Denworth" (flymake-diagnostic-text d)))
                 (flymake-diagnostics))
    (e2e-fail "a false finding on [[Jeff Denworth]]"))

  ;; Go to definition, as M-. asks it.
  (e2e-goto "[[Jeff Denworth]]" 4)
  (let* ((def (e2e-request :textDocument/definition (eglot--TextDocumentPositionParams)))
         (loc (if (vectorp def) (aref def 0) def)))
    (unless (string-suffix-p "People/Jeff Denworth.md"
                             (eglot--uri-to-path (plist-get loc :uri)))
      (e2e-fail "definition of [[Jeff Denworth]] went to %S" def)))

  ;; The create-note fix on [[Microsoft]], chosen as from the code action menu: eglot 1.9
  ;; cannot create files, so the note opens unsaved with its content, and saving creates it.
  (e2e-goto "[[Microsoft]]" 4)
  (let* ((actions (eglot-code-actions (point)))
         (title (cl-some (lambda (a)
                           (let ((title (plist-get a :title)))
                             (and (string-prefix-p "Create note \"Microsoft.md\"" title) title)))
                         actions)))
    (unless title
      (e2e-fail "no create-note fix on [[Microsoft]]: %S" (mapcar (lambda (a) (plist-get a :title)) actions)))
    ;; A keyboard event (not a mouse click) picks from the minibuffer: answer there.
    (cl-letf (((symbol-function 'completing-read) (lambda (&rest _) title))
              (last-nonmenu-event ?\r))
      (eglot--read-execute-code-action actions (eglot--current-server-or-lose))))
  (let ((buffer (find-buffer-visiting (e2e-file "Microsoft.md"))))
    (unless (and buffer (with-current-buffer buffer
                          (string-match-p "^# Microsoft" (buffer-string))))
      (e2e-fail "the create-note fix left no Microsoft.md buffer with its title: %S" buffer))
    (with-current-buffer buffer (save-buffer)))
  (unless (file-exists-p (e2e-file "Microsoft.md"))
    (e2e-fail "Microsoft.md was not created on save"))

  ;; Rename the note from its title (eglot-rename): every link is rewritten, and since eglot
  ;; cannot rename files the server says which file to rename.
  (find-file (e2e-file "People/Tomer Hagay.md"))
  (e2e-goto "# Tomer Hagay" 3)
  (eglot-rename "Tomer Hagay-Cohen")
  (let ((meeting (find-buffer-visiting
                  (e2e-file "Meetings/2025/2025-11-07 - Weekly sync on the release train.md"))))
    (unless (and meeting (with-current-buffer meeting
                           (string-match-p "\\[\\[Tomer Hagay-Cohen\\]\\]" (buffer-string))))
      (e2e-fail "the meeting's links were not rewritten: %S" meeting)))
  (e2e-wait "the server saying which file to rename"
            (lambda ()
              (cl-some (lambda (m) (string-match-p "rename \"People/Tomer Hagay.md\"" m))
                       e2e-messages))
            10)

  (princ "vaultls emacs e2e: OK\n")
  (kill-emacs 0))

(condition-case err
    (e2e-run)
  (error (e2e-fail "%S" err)))

;;; e2e.el ends here
