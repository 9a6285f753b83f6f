"""Start the evcxr kernel with a build folder of its own (the kernelspec runs this).

    python scripts/evcxr-kernel.py EVCXR_JUPYTER [ARGS...]

evcxr builds every cell as a crate in its build folder: it writes the folder's Cargo.toml and
src/lib.rs, runs cargo there, and names each cell's library target/.../libcode_N.so, N
counting from 1 in each kernel. One folder shared by two kernels at once (a learner with two
notebooks open) breaks both: the second kernel's start writes a Cargo.toml without the first
one's `:dep`, so the first one's next cell fails to compile ("cannot find module or crate
`makemore`") and its variables are lost; and each overwrites the other's source and libraries.

So each kernel takes the first free folder target/evcxr/kernel-N (free: no live kernel holds
its lock, target/evcxr/kernel-N.lock; the lock is held by the kernel and by the processes it
starts, cargo and the cell runner, for as long as they live). A folder that has never built
anything is first given a copy of the compiled dependencies of the folder used last, so that
a second notebook's kernel does not compile tch again (~3 min; the copy takes seconds, once).
The copy is made while holding that folder's cargo lock, so never in the middle of a build.

A folder of the layout before this (target/evcxr itself, one kernel at a time) becomes
kernel-0's, moved, not compiled again.

evcxr takes the folder from EVCXR_TMPDIR unless an evcxr.toml next to the notebook sets
`tmpdir`, which then wins (the project's evcxr.toml files do not).
"""
import fcntl
import os
import shutil
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FOLDERS = os.path.join(ROOT, "target", "evcxr")
# what a new folder gets from a used one: the dependencies as compiled (crates, build scripts'
# outputs, fingerprints), not evcxr's cells (libcode_N.so, the `ctx` crate) nor the incremental
# caches of the crates being edited
SKIP = shutil.ignore_patterns("incremental", "libcode_*", "*ctx*", ".cargo-lock")
# how long to wait for a used folder's build in progress to end before giving up on copying it
SEED_LOCK_WAIT = 20


def take_folder():
    """The first folder no live kernel holds: (its path, the open lock file, kept open)."""
    os.makedirs(FOLDERS, exist_ok=True)
    n = 0
    while True:
        lock = open(os.path.join(FOLDERS, f"kernel-{n}.lock"), "a")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            n += 1
            continue
        return os.path.join(FOLDERS, f"kernel-{n}"), lock


def cargo_locks(target):
    return [os.path.join(d, ".cargo-lock") for d, _, files in os.walk(target) if ".cargo-lock" in files]


def lock_all(paths, wait):
    """cargo's locks on a build folder (flock, as cargo takes them), or None after `wait` s."""
    held = []
    deadline = time.monotonic() + wait
    for path in paths:
        f = open(path, "a")
        while True:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                held.append(f)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    f.close()
                    for g in held:
                        g.close()
                    return None
                time.sleep(0.2)
    return held


def last_build(folder):
    """When a folder last compiled something (its newest deps/ folder)."""
    import glob

    return max([os.path.getmtime(d) for d in glob.glob(os.path.join(folder, "target", "*", "debug", "deps"))] or [0])


def seed(folder):
    """Give a folder that has never built anything the compiled dependencies of another."""
    if os.path.isdir(os.path.join(folder, "target")):
        return
    os.makedirs(folder, exist_ok=True)
    legacy = os.path.join(FOLDERS, "target")
    if folder.endswith("kernel-0") and os.path.isdir(legacy):
        # the one shared folder of before: move its build here
        os.rename(legacy, os.path.join(folder, "target"))
        if os.path.exists(os.path.join(FOLDERS, "Cargo.lock")):
            shutil.copy2(os.path.join(FOLDERS, "Cargo.lock"), os.path.join(folder, "Cargo.lock"))
        return
    used = [
        os.path.join(FOLDERS, d)
        for d in os.listdir(FOLDERS)
        if d.startswith("kernel-") and os.path.isdir(os.path.join(FOLDERS, d, "target"))
    ]
    if not used:
        return
    source = max(used, key=last_build)
    held = lock_all(cargo_locks(os.path.join(source, "target")), SEED_LOCK_WAIT)
    if held is None:
        return  # a long build (tch's first) under way there: this folder compiles its own
    started = time.monotonic()
    partial = os.path.join(folder, "target.partial")
    try:
        shutil.rmtree(partial, ignore_errors=True)
        shutil.copytree(os.path.join(source, "target"), partial, symlinks=True, ignore=SKIP)
        if os.path.exists(os.path.join(source, "Cargo.lock")):
            shutil.copy2(os.path.join(source, "Cargo.lock"), os.path.join(folder, "Cargo.lock"))
        os.rename(partial, os.path.join(folder, "target"))
    finally:
        for f in held:
            f.close()
        shutil.rmtree(partial, ignore_errors=True)
    print(
        f"{os.path.basename(folder)}: the compiled dependencies copied from {os.path.basename(source)} "
        f"in {time.monotonic() - started:.1f} s",
        file=sys.stderr,
    )


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: evcxr-kernel.py EVCXR_JUPYTER [ARGS...]")
    folder, lock = take_folder()
    try:
        seed(folder)
    except OSError as e:  # a failed copy costs time (a compile), not the kernel
        print(f"{os.path.basename(folder)}: could not copy compiled dependencies: {e}", file=sys.stderr)
    # the kernel, and the cargo and cell processes it starts, inherit the lock
    os.set_inheritable(lock.fileno(), True)
    os.environ["EVCXR_TMPDIR"] = folder
    os.execv(sys.argv[1], sys.argv[1:])


if __name__ == "__main__":
    main()
