#!/usr/bin/env bash
# Prints the path of a working interpreter for Python X.Y, or explains on stderr and exits 1.
# pyenv shims are not enough: a shim for a version that is not selected exists on PATH but
# fails when run, so every candidate is run once before it is trusted.
set -euo pipefail

want="${1:?usage: find_python.sh X.Y}"
pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"

works() {
    [ -x "$1" ] && "$1" -c "import sys; sys.exit(sys.version_info[:2] != tuple(map(int, '$want'.split('.'))))" 2>/dev/null
}

# The newest installed patch release first, then whatever PATH offers.
candidates=()
while IFS= read -r dir; do
    candidates+=("$dir/bin/python$want")
done < <(ls -d "$pyenv_root"/versions/"$want".* 2>/dev/null | sort -V -r)
if command -v "python$want" >/dev/null 2>&1; then
    candidates+=("$(command -v "python$want")")
fi

for candidate in "${candidates[@]+"${candidates[@]}"}"; do
    if works "$candidate"; then
        echo "$candidate"
        exit 0
    fi
done

echo "error: no working Python $want interpreter (looked in $pyenv_root/versions/$want.* and PATH);" \
    "install one, e.g. 'pyenv install $want'" >&2
exit 1
