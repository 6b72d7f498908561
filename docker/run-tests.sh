#!/usr/bin/env bash
# The images' test command: pytest with the repository's shared configuration,
# on the given paths or, with none, on every packaged test suite in the image.
set -euo pipefail
root=/opt/buffers
if [ "$#" -eq 0 ] || [[ "$1" == -* ]]; then
    suites=()
    for dir in "$root"/packages/*/tests; do
        [ -d "$dir" ] && suites+=("$dir")
    done
    [ "${#suites[@]}" -gt 0 ] || { echo "buffer-tests: no test suites under $root/packages" >&2; exit 1; }
    set -- "${suites[@]}" "$@"
fi
# The source tree is read-only for the image's user: no cache folder there.
exec python -m pytest -c "$root/pyproject.toml" -p no:cacheprovider "$@"
