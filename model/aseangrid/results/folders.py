"""Output folders that appear whole or not at all, and only ever replace aseangrid's own.

Every results folder aseangrid writes carries a manifest (:data:`MANIFEST`). A target that
exists may be replaced only if it carries one (or is an earlier run folder with its
``log.json``): never a dataset, a run file, the working directory or a user's other folder.
Writing goes into a temporary folder beside the target (``.<name>.tmp-<pid>-<random>``, with
the writer's process id inside), guarded by a lock file (``.<name>.lock``) so that two runs
cannot write the same target, after a check that the disk has room; the temporary folder is
renamed into place only when complete. Temporary folders and locks of processes that no
longer exist (a ``kill -9``, a power cut) are removed by the next writer.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..errors import OutputError

#: File that marks a folder as aseangrid's results (kind, version, when, what wrote it).
MANIFEST = "aseangrid-results.json"


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def is_results_folder(path: Path) -> bool:
    """Whether ``path`` is a folder aseangrid wrote (its manifest, or an earlier run's log)."""
    if not path.is_dir():
        return False
    if (path / MANIFEST).is_file():
        return True
    log = path / "log.json"  # run folders written before manifests existed
    if log.is_file() and (path / "run.yaml").is_file():
        try:
            return "scenarios" in json.loads(log.read_text())
        except (OSError, ValueError):
            return False
    return False


def write_manifest(folder: Path, kind: str, **extra) -> None:
    """Mark ``folder`` as aseangrid's results of a ``kind`` (run, results, ensemble, ...)."""
    from .extract import versions

    info = {"kind": kind, "written": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "versions": versions()}
    info.update(extra)
    (folder / MANIFEST).write_text(json.dumps(info, indent=1, default=str))


def _inside(a: Path, b: Path) -> bool:
    """``a`` is ``b`` or lies inside it."""
    try:
        a.relative_to(b)
        return True
    except ValueError:
        return False


def protect_inputs(target: str | Path, protect: Iterable[str | Path] = ()) -> Path:
    """The absolute target, after checking that it is neither the working folder (or above
    it) nor an input, inside an input or around one."""
    t = Path(target).expanduser().absolute()
    cwd = Path.cwd().absolute()
    if _inside(cwd, t):
        raise OutputError(
            f"{target} is the working folder or contains it; results must go into a folder of "
            "their own (choose another --out)"
        )
    for p in protect:
        q = Path(p).expanduser().absolute()
        if _inside(q, t) or _inside(t, q):
            raise OutputError(
                f"{target} would replace or sit inside the input {p}; choose another --out"
            )
    return t


def check_target(target: str | Path, overwrite: bool, protect: Iterable[str | Path] = ()) -> Path:
    """The absolute target folder, after every check that it may be written.

    Parameters
    ----------
    target
        Folder to write.
    overwrite
        An existing aseangrid results folder may be replaced.
    protect
        Inputs of the run (dataset folders, the run file): the target may neither be one of
        them, contain one, nor lie inside one.

    Raises
    ------
    OutputError
        Naming the target and what it would have replaced.
    """
    t = protect_inputs(target, protect)
    if t.exists() or t.is_symlink():
        if not t.is_dir() or t.is_symlink():
            raise OutputError(f"{target} exists and is not a folder; it is never replaced")
        if not is_results_folder(t):
            raise OutputError(
                f"{target} exists and is not an aseangrid results folder (no {MANIFEST}); "
                "aseangrid replaces only its own results: choose another --out"
            )
        if not overwrite:
            raise OutputError(
                f"{target} already exists; pass overwrite (CLI: --overwrite) to replace these "
                "earlier results"
            )
    return t


def clean_stale(target: Path) -> None:
    """Remove temporary folders and locks beside ``target`` left by processes that are gone."""
    parent = target.parent
    if not parent.is_dir():
        return
    for p in parent.glob(f".{target.name}.*"):
        pid = -1
        try:
            if p.is_dir():
                f = p / ".pid"
                pid = int(f.read_text()) if f.exists() else -1
            elif p.name.endswith(".lock"):
                pid = int(p.read_text() or -1)
            else:
                continue
        except (OSError, ValueError):
            pid = -1
        if _alive(pid):
            continue
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)


@contextlib.contextmanager
def lock(target: Path) -> Iterator[None]:
    """Hold ``.<name>.lock`` beside the target while writing; refuse a second writer."""
    path = target.parent / f".{target.name}.lock"
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        try:
            pid = int(path.read_text() or -1)
        except (OSError, ValueError):
            pid = -1
        raise OutputError(
            f"another aseangrid process (pid {pid}) is writing {target}; wait for it or choose "
            "another --out"
        ) from None
    except OSError as exc:
        raise OutputError(f"cannot create a folder in {target.parent}: {exc}") from exc
    try:
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        yield
    finally:
        path.unlink(missing_ok=True)


def ensure_space(folder: Path, nbytes: int, what: str) -> None:
    """Refuse to start writing ``nbytes`` (plus a margin) where the disk has less free."""
    need = int(nbytes * 1.2) + (16 << 20)
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return
    if free < need:
        raise OutputError(
            f"not enough free disk space for {what} in {folder}: {free / 1e6:.0f} MB free, "
            f"about {need / 1e6:.0f} MB needed; free some space or choose another --out"
        )


def replace_folder(tmp: Path, folder: Path) -> None:
    """Move a complete temporary folder into place; an earlier folder is moved aside first and
    deleted only after the new one is in place."""
    if folder.exists():
        old = folder.parent / f".{folder.name}.old-{os.getpid()}-{secrets.token_hex(3)}"
        os.replace(folder, old)
        try:
            os.replace(tmp, folder)
        except OSError:
            os.replace(old, folder)  # put the earlier results back
            raise
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, folder)


@contextlib.contextmanager
def atomic_folder(
    target: str | Path,
    overwrite: bool = False,
    protect: Iterable[str | Path] = (),
    kind: str = "results",
    nbytes: int = 0,
    checked: bool = False,
) -> Iterator[Path]:
    """Write a results folder whole or not at all.

    Yields the temporary folder to fill. On success it gets the manifest and replaces the
    target; on any error (including Ctrl-C) it is removed and the target is left as it was.
    ``checked``: :func:`check_target` was already called for this target (it is repeated
    anyway when the folder is swapped in, in case something appeared meanwhile).
    """
    t = check_target(target, overwrite, protect) if not checked else Path(target).absolute()
    try:
        t.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create a folder in {t.parent}: {exc}") from exc
    clean_stale(t)
    with lock(t):
        if nbytes:
            ensure_space(t.parent, nbytes, str(t))
        tmp = t.parent / f".{t.name}.tmp-{os.getpid()}-{secrets.token_hex(3)}"
        try:
            tmp.mkdir()
            (tmp / ".pid").write_text(str(os.getpid()))
        except OSError as exc:
            raise OutputError(f"cannot create a folder in {t.parent}: {exc}") from exc
        try:
            yield tmp
            write_manifest(tmp, kind)
            (tmp / ".pid").unlink(missing_ok=True)
            check_target(t, overwrite, protect)  # nothing else appeared meanwhile
            replace_folder(tmp, t)
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise OutputError(f"cannot write {t}: {exc}") from exc
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise


def atomic_file(target: str | Path, overwrite: bool, write) -> Path:
    """Write one file whole or not at all (``write(tmp_path)`` fills it); an existing file is
    replaced only with ``overwrite``."""
    t = Path(target).absolute()
    if t.exists() and not overwrite:
        raise OutputError(
            f"{target} already exists; pass overwrite (CLI: --overwrite) to replace it"
        )
    if t.exists() and not t.is_file():
        raise OutputError(f"{target} exists and is not a file; it is never replaced")
    tmp = t.parent / f".{t.name}.tmp-{os.getpid()}-{secrets.token_hex(3)}"
    try:
        t.parent.mkdir(parents=True, exist_ok=True)
        write(tmp)
        os.replace(tmp, t)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"cannot write {t}: {exc}") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return t
