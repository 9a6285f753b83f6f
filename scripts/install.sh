#!/usr/bin/env bash
# Put the `makemore` binary on your PATH: a copy of target/release/makemore in PREFIX/bin
# (default ~/.local/bin; `make install` runs `make cli` first). The copy finds libtorch in
# this clone's .venv through the rpath the build embeds, with no LD_LIBRARY_PATH, so it runs
# from any folder; keep the clone where it is (moved it? `make install` again).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh
prefix=${1:-$HOME/.local}
bin=target/release/makemore
[ -x "$bin" ] || die "$bin is not built: run make cli"
mkdir -p "$prefix/bin"
install -m 755 "$bin" "$prefix/bin/makemore"
"$prefix/bin/makemore" --version >/dev/null \
    || die "$prefix/bin/makemore does not start (libtorch not found?): run make cli, then make install again"
ok "installed $prefix/bin/makemore (it loads libtorch from $(readlink -f .libtorch)/lib)"
case ":$PATH:" in
*":$prefix/bin:"*) ;;
*) printf '%s\n' "note: $prefix/bin is not on your PATH. Add it, e.g.:" \
    "  echo 'export PATH=\"$prefix/bin:\$PATH\"' >> ~/.bashrc && . ~/.bashrc" >&2 ;;
esac
