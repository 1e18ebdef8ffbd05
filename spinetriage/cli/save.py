"""Saving a report with ``--output``: the format from ``--format`` or the file's extension, a file
never replaced without ``--force``, written whole or not at all (a temporary file renamed into
place, removed on any signal), with a full disk, a long name or a folder that cannot be written
named.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
from pathlib import Path
from typing import Any, Iterator

#: ``--output -``: the report goes to standard output.
STDOUT = Path("-")


def _today() -> Any:
    """Today, or the re-check's ``--today``."""
    from datetime import date

    from spinetriage.cli import since

    return since.today() or date.today()


from spinetriage.cli.errors import OutputError, UsageError, _cause
from spinetriage.cli.options import _or
from spinetriage.cli.terminal import Environment, json_safe, visible
from spinetriage.core.errors import SpinetriageError
from spinetriage.core.i18n import _


def _output_target(output: str | None, fmt: str | None, force: bool) -> tuple[Path | None, str]:
    """Where --output goes and in which format, checked before any question is asked."""
    from spinetriage.formats.report import FORMATS, format_of, main_extensions

    if output is None:
        if force:
            raise UsageError(_("--force only applies with --output FILE"))
        return None, ""
    if output == "-":
        return STDOUT, (fmt or "text").strip().lower()
    if not output or "\0" in output:
        raise UsageError(_("--output: {name} is not a file name").format(name=repr(output)))
    path = Path(output)
    parent = path.parent
    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = None
        if os.path.islink(path) and not force:
            raise UsageError(_("--output: {name} is a link to a file that does not exist; "
                               "choose another name or add --force to replace the link").format(
                                   name=repr(_short(output)))) from None
    except OSError as exc:
        raise _bad_output(output, exc) from None
    if st is not None:
        import stat

        if stat.S_ISDIR(st.st_mode):
            raise UsageError(_("--output: {name} is a folder; give a file name").format(name=repr(_short(output))))
        if not force:
            raise UsageError(_("--output: {name} already exists; choose another name or add --force to replace "
                               "it").format(name=repr(_short(output))))
    if fmt is None:
        out_format = format_of(path.name)
        if out_format is None:
            raise UsageError(_("--output: cannot tell the format of {name} from its extension; "
                               "use {extensions}, or give --format {formats}").format(
                                   name=repr(_short(output)), extensions=_or(main_extensions()),
                                   formats="|".join(FORMATS)))
    else:
        out_format = fmt.strip().lower()
        by_name = format_of(path.name)
        if by_name is not None and by_name != out_format and (out_format, by_name) != ("fhir", "json"):
            raise UsageError(_("--format {format} does not match the file name {name}, which is for {other}; "
                               "give a name that ends as the format does ({extensions}), or leave --format "
                               "out").format(format=out_format, name=repr(_short(output)), other=by_name,
                                             extensions=_or(main_extensions())))
    if not parent.is_dir():
        raise UsageError(_("--output: the folder {name} does not exist").format(name=repr(_short(str(parent)))))
    name_max = _name_max(parent)
    if len(os.fsencode(path.name)) > name_max:
        raise UsageError(_("--output: the file name is too long ({size} bytes; at most {most} here)").format(
            size=len(os.fsencode(path.name)), most=name_max))
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(_("--output: cannot create files in the folder {name} "
                           "(permission denied or read-only)").format(name=repr(_short(str(parent)))))
    if st is None:
        _probe(parent)
    return path, out_format


def _probe(folder: Path) -> None:
    """Create and remove an empty file in ``folder``, so that a folder the report cannot be saved
    in is named before any question is asked (root passes access checks that writing fails)."""
    import secrets

    probe = folder / f".spinetriage-{secrets.token_hex(8)}.tmp"
    try:
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError as exc:
        raise UsageError(_("--output: cannot create a file in the folder {name}: {cause}").format(
            name=repr(_short(str(folder))), cause=_cause(exc))) from None
    with contextlib.suppress(OSError):
        os.unlink(probe)


def _name_max(folder: Path) -> int:
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (OSError, ValueError, AttributeError):
        return 255


#: Failures of the disk while writing (exit 1); any other error names a bad --output (exit 2).
DISK_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO}


def _short(text: str, keep: int = 100) -> str:
    """A path (or words) for one line: a very long one keeps its start and its end."""
    return text if len(text) <= keep else text[:keep // 2 - 2] + "..." + text[-(keep // 2 - 1):]


def _bad_output(output: str, exc: OSError) -> SpinetriageError:
    cause = _cause(exc)
    if exc.errno in DISK_ERRORS:
        return OutputError(_("cannot save the report to {name}: {cause}; nothing was saved").format(
            name=repr(_short(output)), cause=cause))
    return UsageError(_("--output: cannot write {name}: {cause}").format(name=repr(_short(output)), cause=cause))


def _report_text(result: Any, out_format: str, saved: Any) -> str:
    from spinetriage.formats import report

    if out_format == "json":
        return json_safe(report.to_json(result, saved=saved)) + "\n"
    if out_format == "markdown":
        return visible(report.to_markdown(result, saved=saved))
    if out_format == "fhir":
        from spinetriage.formats import fhir

        return json_safe(fhir.to_json(result, saved or _today())) + "\n"
    if out_format == "html":
        from spinetriage.formats import html as htmlpage

        return visible(htmlpage.to_html(result, saved=saved or _today()))
    from spinetriage.cli.render import report_as_text

    return report_as_text(result, saved=saved)


@contextlib.contextmanager
def _removed_on_signal(tmp: str | None) -> Iterator[None]:
    """While the report is saved: SIGTERM or SIGHUP removes the temporary file (it holds health
    data) and stops the command, exit 128 + the signal's number (143, 129)."""
    from spinetriage.records.stopping import Stopped

    def stop(signum: int, frame: Any) -> None:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise Stopped(signum)

    previous = {}
    for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is not None:
            with contextlib.suppress(ValueError, OSError):  # not the main thread: nothing to install
                previous[sig] = signal.signal(sig, stop)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _save(result: Any, path: Path, out_format: str, force: bool, e: Environment) -> None:
    """Write atomically: a temporary file (readable only by its owner) beside the target, then
    moved into place. On any failure, Ctrl-C, SIGTERM or SIGHUP the temporary file is removed."""
    import secrets

    text = _report_text(result, out_format, _today())
    try:
        special = os.path.exists(path) and not os.path.isfile(path)
    except OSError:
        special = False
    if special:  # a device or a pipe given with --force (/dev/stdout, a FIFO): written into, never replaced
        with _removed_on_signal(None):  # SIGTERM while a FIFO waits for its reader: stopped, exit 143
            try:
                with open(path, "w", encoding="utf-8") as fh:
                    fh.write(text)
            except OSError as exc:
                raise _bad_output(str(path), exc) from None
        return
    # A short name of its own: a target name near the length limit still leaves room for it.
    tmp = str(path.parent / f".spinetriage-{secrets.token_hex(8)}.tmp")
    with _removed_on_signal(tmp):
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            if force:
                os.replace(tmp, path)
            else:
                os.link(tmp, path)  # fails if the file appeared meanwhile: never overwrite
        except FileExistsError:
            raise UsageError(_("--output: {name} already exists; add --force to replace it").format(
                name=repr(str(path)))) from None
        except OSError as exc:
            raise _bad_output(str(path), exc) from None
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    e.stderr.write(visible(_("Saved the report to {path}").format(path=path) + "\n"))
