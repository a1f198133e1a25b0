// Where the note meant is once a client has sorted the list by its own fuzzy score, as VS Code
// does: its `CompletionModel` scores each item's filter text against what was typed
// (`fuzzyScoreGracefulAggressive` for lists of up to 2,000 items) and sorts by that score,
// then by the server's order (`sortText`). Reads the lines `VAULTLS_REPLAY_CLIENT` writes
// (benches/vault/replay.rs) and VS Code's own filters from the monaco-editor package:
//
//   npm pack monaco-editor@0.57.0 && tar xzf monaco-editor-0.57.0.tgz
//   node benches/vault/client_order.mjs package/esm/vs/base/common/filters.js LINES…
import { pathToFileURL } from 'node:url';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const [filters, ...files] = process.argv.slice(2);
const { fuzzyScoreGracefulAggressive, fuzzyScore, FuzzyScoreOptions } = await import(
  pathToFileURL(resolve(filters)).href
);

for (const file of files) {
  // By characters typed: lists, the note meant first / in the first five, by the server's
  // order and by the client's.
  const by = new Map();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    const { typed, rank, items } = JSON.parse(line);
    const k = [...typed].length;
    const t = by.get(k) ?? { lists: 0, server1: 0, server5: 0, client1: 0, client5: 0, gone: 0 };
    by.set(k, t);
    t.lists += 1;
    if (rank === null) continue;
    if (rank === 0) t.server1 += 1;
    if (rank < 5) t.server5 += 1;
    const score = items.length > 2000 ? fuzzyScore : fuzzyScoreGracefulAggressive;
    const low = typed.toLowerCase();
    const scored = items.map((f, idx) => {
      const m = score(typed, low, 0, f, f.toLowerCase(), 0, FuzzyScoreOptions.default);
      return { idx, score: m ? m[0] : null };
    });
    const kept = scored.filter((s) => s.score !== null);
    kept.sort((a, b) => b.score - a.score || a.idx - b.idx);
    const at = kept.findIndex((s) => s.idx === rank);
    if (at < 0) t.gone += 1;
    if (at === 0) t.client1 += 1;
    if (at >= 0 && at < 5) t.client5 += 1;
  }
  console.log(`${file}`);
  console.log('| typed | lists | top-1 server / VS Code | top-5 server / VS Code | dropped by VS Code |');
  console.log('|---|---|---|---|---|');
  const pct = (n, t) => ((100 * n) / t.lists).toFixed(1);
  for (const [k, t] of [...by].sort((a, b) => a[0] - b[0])) {
    console.log(
      `| ${k} | ${t.lists} | ${pct(t.server1, t)} / ${pct(t.client1, t)} | ` +
        `${pct(t.server5, t)} / ${pct(t.client5, t)} | ${pct(t.gone, t)} |`,
    );
  }
}
