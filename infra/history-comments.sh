#!/usr/bin/env bash
# Counts code comment lines that narrate history or carry timings, so a before/after of a
# clean-up is one command. Two figures:
#   history — comment lines in the project's .ts files matching was|were|now|used to|
#             previously|since this stop|measured|→ (a proxy: some hits are plain grammar);
#   words   — the history lines matched by a word, not only by an arrow (→ is also a formula's);
#   timings — comment lines in the libraries (shared, activities, workflows, workers, cli)
#             with a figure in ms, s, min, GFLOP/s, examples/s or windows/s.
# `bash infra/history-comments.sh` prints both counts; `--list` prints the lines.
set -euo pipefail
cd "$(dirname "$0")/.."
history='\b(was|were|now|used to|previously|since this stop|measured)\b|→'
timing='[0-9][0-9.,]* ?(ms|s|min|minutes|GFLOP/s|examples/s|windows/s)\b'
comments() {
  git ls-files -co --exclude-standard -- "$@" | grep -E '\.ts$' | grep -vE '^(node_modules|build)/' \
    | xargs grep -nE '^\s*(//|\*|/\*)' || true
}
history_lines() { comments '*.ts' | grep -E -- "$history" || true; }
word_lines() { history_lines | grep -E -- '\b(was|were|now|used to|previously|since this stop|measured)\b' || true; }
timing_lines() { comments shared activities workflows workers cli | grep -E -- "$timing" || true; }
if [[ "${1:-}" == "--list" ]]; then
  echo '# history'; history_lines; echo '# timings'; timing_lines
else
  echo "history comment lines: $(history_lines | wc -l)"
  echo "  of which matched by a word: $(word_lines | wc -l)"
  echo "timing comment lines (libraries): $(timing_lines | wc -l)"
fi
