#!/usr/bin/env bash
# Every relative link in README.md and docs/*.md must name a file that exists (anchors not checked).
# Usage: bash .ci/check-doc-links.sh   (exit 1 when a link is broken)
set -uo pipefail
cd "$(dirname "$0")/.."
# Pages being written on another branch: reported, not failed.
pending=" docs/architecture.md "
status=0
for page in README.md docs/*.md; do
  dir=$(dirname "$page")
  while read -r target; do
    case "$target" in http://*|https://*|mailto:*|\#*|'') continue ;; esac
    path=$(realpath -m --relative-to=. "$dir/${target%%#*}")
    [ -e "$path" ] && continue
    if [[ "$pending" == *" $path "* ]]; then
      echo "pending: $page -> $target"
    else
      echo "BROKEN: $page -> $target"; status=1
    fi
  # ](target) and ](target "title"); external links and in-page anchors are skipped above
  done < <(grep -o '](\([^)]*\))' "$page" | sed -e 's/^](//' -e 's/)$//' -e 's/ .*//' | sort -u)
done
exit $status
