# Shared by the scripts: messages and paths.
step() { printf '==> %s\n' "$*" >&2; }
ok()   { printf ' ok %s\n' "$*" >&2; }
die()  { printf 'error: %s\n' "$*" >&2; exit 1; }
# cargo's binaries (evcxr_jupyter); CARGO_INSTALL_ROOT, when set, is where `cargo install` puts them
export PATH="${CARGO_INSTALL_ROOT:+$CARGO_INSTALL_ROOT/bin:}${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

# Seconds as m:ss.
mmss() { printf '%d:%02d' $(($1 / 60)) $(($1 % 60)); }
