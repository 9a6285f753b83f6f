# Shared by the scripts: messages and paths.
step() { printf '==> %s\n' "$*" >&2; }
ok()   { printf ' ok %s\n' "$*" >&2; }
die()  { printf 'error: %s\n' "$*" >&2; exit 1; }
# cargo's binaries (evcxr_jupyter); CARGO_INSTALL_ROOT, when set, is where `cargo install` puts them
export PATH="${CARGO_INSTALL_ROOT:+$CARGO_INSTALL_ROOT/bin:}${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

# Seconds as m:ss.
mmss() { printf '%d:%02d' $(($1 / 60)) $(($1 % 60)); }

# Stops with a clear message unless the disk of the current folder has $1 GB free for $2
# ($3: what else the user can do, if anything).
need_space() {
    local free_gb
    free_gb=$(df -Pk . | awk 'NR==2 {print int($4 / 1048576)}')
    [ "$free_gb" -ge "$1" ] \
        || die "only $free_gb GB free on the disk of $PWD; $2 needs about $1 GB${3:+; $3} (see README.md, Requirements)"
}
