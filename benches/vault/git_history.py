#!/usr/bin/env python3
"""A vault's history from its git repository, for the replay's `VAULTLS_REPLAY_HISTORY`.

Usage: git_history.py GIT_DIR VAULT_FOLDER_IN_REPO OUT.json   (folder "" for the root)

Writes `mod`: each vault path's commits in order, as [unix time, git status letter]
(renames are a deletion and an addition), and `adds`: each wikilink a commit added to a note,
as [unix time, vault path, target], the target as written before `#` or `|`, trimmed and
lowercased. Only git and the standard library; blobs missing from a partial clone are skipped.
"""
import json
import re
import subprocess
import sys
import threading

repo, folder, out = sys.argv[1], sys.argv[2].strip("/"), sys.argv[3]
git = ["git", "--git-dir=" + repo]
log = subprocess.run(
    git + ["log", "--reverse", "--format=C %ct", "--raw", "--no-renames", "--no-abbrev",
           "--", folder or "."],
    capture_output=True, text=True, check=True).stdout
changes = []  # (time, vault path, old blob, new blob, status)
time = None
for line in log.splitlines():
    if line.startswith("C "):
        time = int(line[2:])
    elif line.startswith(":"):
        meta, path = line.split("\t", 1)
        fields = meta.split()
        rel = path[len(folder):].lstrip("/") if folder else path
        changes.append((time, rel, fields[2], fields[3], fields[4]))

NONE = "0" * 40
blobs = sorted({b for c in changes if c[1].endswith(".md") for b in c[2:4] if b != NONE})
cat = subprocess.Popen(git + ["cat-file", "--batch"], stdin=subprocess.PIPE,
                       stdout=subprocess.PIPE)
request = "\n".join(blobs).encode() + b"\n"
threading.Thread(target=lambda: (cat.stdin.write(request), cat.stdin.close())).start()
LINK = re.compile(r"\[\[([^\]|#\n]*)")
links = {}
for _ in blobs:
    header = cat.stdout.readline().decode().split()
    if len(header) < 3 or header[1] == "missing":
        continue
    data = cat.stdout.read(int(header[2]))
    cat.stdout.read(1)
    text = data.decode("utf-8", "replace")
    links[header[0]] = {m.strip().lower() for m in LINK.findall(text)}

mod, adds = {}, []
for time, rel, old, new, status in changes:
    mod.setdefault(rel, []).append((time, status))
    if not rel.endswith(".md") or status == "D" or new not in links:
        continue
    if old != NONE and old not in links:
        continue
    before = links.get(old, set())
    adds.extend((time, rel, target) for target in sorted(links[new] - before) if target)
json.dump({"mod": mod, "adds": adds}, open(out, "w"))
print(f"{len(changes)} changes, {len(adds)} links added", file=sys.stderr)
