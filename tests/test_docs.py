"""The documentation: the site builds, and what it shows is what the program does.

- `mkdocs build --strict` builds the site (mkdocs.yml, docs/) into a temporary folder, so a
  broken link or anchor, a page missing from the navigation or a missing included file fails
  here; the built pages load nothing from the network and hold the generated parts.
- Every command line of the ```sh blocks of README.md and docs/*.md (and of the files the
  pages include, such as rules/README.md) is run as a reader would paste it: in a temporary
  folder holding copies of examples/, rules/ and tests/fixtures/, with the test's virtualenv as `.venv` and its
  bin first on PATH, stdin from /dev/null (no terminal), NO_COLOR=1 and a timeout. The lines
  of one page run in order in one folder, so a file one line writes is there for the next.
  Each must show no traceback and end with an exit code the contract gives for its command
  (0; `ask` 2 only for answers a person at a terminal would have been asked; `batch` 1 only
  when a record was rejected; `rules validate` 3, `rules test` 1); JSON output must parse.
- Not run: lines that install things (`pip install`: they need the network; only the
  README's two set-up lines, which `.ci/run` covers, may stand in an sh block) and lines
  that run the test suite itself (`-m pytest`). Anything else that should not run here
  (installing, the network, minutes of work, a person at the keyboard) goes in a ```console
  block, which this test leaves alone. The recipes' scripts and code are run by
  tests/test_recipes.py.
- The interviews shown as transcripts (```text blocks starting `$ .venv/bin/spinetriage ask`)
  are replayed in a pseudo-terminal of 80 columns with the answers they show, and each part
  of the transcript (parts are separated by `...` lines) must be on the screen, in order.
"""

from __future__ import annotations

import html.parser
import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the virtualenv running the tests: its spinetriage, python, mkdocs
PAGES = sorted((ROOT / "docs").glob("*.md"))
SOURCES = [ROOT / "README.md", *PAGES]
INCLUDE = re.compile(r'^--8<-- "([^"]+)"$', re.M)
TIMEOUT = 30


def _docgen():
    spec = importlib.util.spec_from_file_location("docgen_for_tests", ROOT / "tools" / "docgen.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _text(path: Path) -> str:
    """The page as a reader sees it: included files in place (pymdownx.snippets)."""
    text = path.read_text(encoding="utf-8")
    return INCLUDE.sub(lambda m: (ROOT / m.group(1)).read_text(encoding="utf-8"), text)


def _blocks(text: str, kind: str) -> list[str]:
    return re.findall(rf"^```{kind}\n(.*?)^```", text, flags=re.S | re.M)


def _commands(text: str) -> list[str]:
    """Each command line of the sh blocks, continuation lines joined, comments dropped."""
    commands = []
    for block in _blocks(text, "sh"):
        for line in block.replace("\\\n", " ").splitlines():
            line = re.sub(r"\s+#.*$", "", line).strip()
            if line and not line.startswith("#"):
                commands.append(line)
    return commands


def _runs_spinetriage(line: str) -> bool:
    return re.search(r"(^|[|&;]\s*)(\S*/)?spinetriage(\s|$)", line) is not None


def _not_run(line: str) -> bool:
    return "pip install" in line or "-m pytest" in line


# --- the site -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    proc = subprocess.run([str(BIN / "python"), "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"),
                           "-d", str(out)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


def test_every_page_is_in_the_navigation_and_built(site):
    for page in PAGES:
        assert (site / page.with_suffix(".html").name).is_file(), f"{page.name} was not built"


class _Loads(html.parser.HTMLParser):
    """Every address a page makes the browser fetch (not the links a reader may follow)."""

    FETCHED = {"script": "src", "img": "src", "iframe": "src", "source": "src", "audio": "src", "video": "src",
               "embed": "src", "object": "data", "link": "href"}

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("rel") in ("canonical", "alternate"):
            return
        if self.FETCHED.get(tag) in attrs:
            self.urls.append(attrs[self.FETCHED[tag]])
        self.urls += re.findall(r"url\(\s*['\"]?([^'\")]+)", attrs.get("style") or "")


def test_the_site_loads_nothing_from_the_network(site):
    """Answers are health data and the tool promises no network: no web fonts, no scripts from elsewhere."""
    remote = re.compile(r"^(https?:)?//", re.I)
    for page in site.rglob("*.html"):
        parser = _Loads()
        parser.feed(page.read_text(encoding="utf-8"))
        assert not [u for u in parser.urls if remote.match(u)], page.name
    for css in site.rglob("*.css"):
        assert not re.search(r"(url\(\s*['\"]?|@import\s+['\"])(https?:)?//", css.read_text(encoding="utf-8")), css.name


def test_the_generated_parts_are_on_the_pages(site):
    docgen = _docgen()
    answers = docgen.EMERGENCY_SIGNS | docgen.URGENT_SIGNS | docgen.RISK_FACTORS
    scripting = (site / "scripting.html").read_text(encoding="utf-8")
    missing = [flag for flag, words in answers.items() if f"<code>{flag}</code>" not in scripting
               or html.escape(words, quote=False) not in scripting]
    assert not missing, f"the red-flag tables lack {missing}"
    safety = (site / "safety.html").read_text(encoding="utf-8")
    for line in docgen.limits().splitlines():
        assert html.escape(line.removeprefix("- "), quote=False) in safety
    speed = (site / "speed.html").read_text(encoding="utf-8")
    last_run = (ROOT / "benchmarks" / "last-run.txt").read_text(encoding="utf-8")
    assert html.escape(last_run.splitlines()[0], quote=False) in speed
    assert "FAIL" not in last_run and "target met" in speed  # each figure beside its target, in words
    rules_readme = (ROOT / "rules" / "README.md").read_text(encoding="utf-8")
    for heading in re.findall(r"^## (.+)$", rules_readme, flags=re.M):
        assert html.escape(re.sub(r"`", "", heading), quote=False) in re.sub(r"</?code>", "", (site / "rules.html").read_text(encoding="utf-8"))


def test_generated_blocks_in_the_pages_are_left_empty():
    """The hook fills them at build time; a filled copy in a page would be a hand copy that goes stale."""
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for name in re.findall(r"^<!-- generated: ([a-z-]+) -->$", text, flags=re.M):
            assert f"<!-- generated: {name} -->\n<!-- end generated: {name} -->" in text, page.name


# --- the commands -------------------------------------------------------------------------


def test_sh_blocks_hold_only_commands_this_test_runs():
    """Installing goes in console blocks (the README's two set-up lines excepted), and pages use .venv/bin/."""
    for page in PAGES:
        assert not [c for c in _commands(page.read_text(encoding="utf-8")) if _not_run(c)], f"{page.name}: use console"
        bare = [c for c in _commands(page.read_text(encoding="utf-8"))
                if re.search(r"(^|&&|\||;)\s*(spinetriage|python|pip|pytest|mkdocs)\b", c)]
        assert not bare, f"{page.name}: use .venv/bin/... as a new shell needs: {bare}"
    readme = _commands((ROOT / "README.md").read_text(encoding="utf-8"))
    assert len([c for c in readme if _not_run(c)]) == 2, "only the two set-up lines may go unrun in the README"


def _subcommand(words: list[str]) -> str:
    """`ask`, `batch`, `rules validate` ...; or the global option (`--version`)."""
    args = [w for w in words if not w.startswith("-")]
    if not args:
        return words[0] if words else ""
    return " ".join(args[:2]) if args[0] == "rules" else args[0]


EXIT_CODES = {"ask": {0, 2}, "recheck": {0, 2}, "batch": {0, 1}, "rules validate": {0, 3}, "rules test": {0, 1},
              "rules diff": {0, 1, 4}}
JSON_ALWAYS = {"batch", "rules schema", "rules questionnaire", "rules codesystem"}


def _check_spinetriage(line: str, proc: subprocess.CompletedProcess, cwd: Path) -> None:
    segment = next(s for s in re.split(r"\||&&|;", line) if s.split() and s.split()[0].endswith("spinetriage"))
    words = shlex.split(segment)
    redirect = words.index(">") if ">" in words else None
    args = words[1:redirect]
    command = _subcommand(args)
    allowed = EXIT_CODES.get(command, {0})
    assert proc.returncode in allowed, f"{line}\nexit {proc.returncode}, expected {sorted(allowed)}\n{proc.stderr}"
    if proc.returncode == 2:  # only what a person at a terminal would have been asked
        assert "--no-input" not in args and "missing answers" in proc.stderr, f"{line}\n{proc.stderr}"
    if command == "batch" and proc.returncode == 1:
        assert re.search(r"\d+ errors?$", proc.stderr.strip()), f"{line}\n{proc.stderr}"
    wants_json = command in JSON_ALWAYS or re.search(r"--format[ =](json|fhir)\b", " ".join(args))
    if proc.returncode == 0 and wants_json and "|" not in line:
        out = (cwd / words[redirect + 1]).read_text(encoding="utf-8") if redirect else proc.stdout
        if command == "batch":
            for record in out.splitlines():
                json.loads(record)
        else:
            json.loads(out)


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_every_command_shown_runs(source, tmp_path):
    lines = [c for c in _commands(_text(source)) if not _not_run(c)]
    if not lines:
        return
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    shutil.copytree(ROOT / "tests" / "fixtures", tmp_path / "tests" / "fixtures")
    (tmp_path / ".venv").symlink_to(BIN.parent)  # the whole venv: its python finds pyvenv.cfg beside bin/
    env = {k: v for k, v in os.environ.items() if k not in ("SPINETRIAGE_DEBUG", "COLUMNS", "FORCE_COLOR")}
    env.update(PATH=f"{BIN}{os.pathsep}/usr/bin{os.pathsep}/bin", NO_COLOR="1", HOME=str(tmp_path))
    for line in lines:
        with open(os.devnull) as nothing:
            proc = subprocess.run(["bash", "-o", "pipefail", "-c", line], cwd=tmp_path, stdin=nothing, env=env,
                                  capture_output=True, text=True, timeout=TIMEOUT)
        assert "Traceback" not in proc.stdout + proc.stderr, f"{line}\n{proc.stderr}"
        if _runs_spinetriage(line):
            _check_spinetriage(line, proc, tmp_path)
        else:
            assert proc.returncode == 0, f"{line}\nexit {proc.returncode}\n{proc.stderr}"


# --- the interviews -----------------------------------------------------------------------

ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\r")
TRANSCRIPTS = [pytest.param(source, block, id=f"{source.name}-{n}") for source in SOURCES
               for n, block in enumerate(b for b in _blocks(_text(source), "text") if b.startswith("$ .venv/bin/spinetriage ask"))]


def test_there_are_transcripts_to_replay():
    assert {param.values[0].name for param in TRANSCRIPTS} >= {"README.md", "interview.md"}


@pytest.mark.parametrize("source, block", TRANSCRIPTS)
def test_interview_transcripts_are_what_a_person_sees(source, block, tmp_path):
    pexpect = pytest.importorskip("pexpect")
    command, _, shown = block.partition("\n")
    answers = [line[2:] for line in shown.splitlines() if line.startswith("> ")]
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "SPINETRIAGE_DEBUG")}
    env.update(COLUMNS="80", LINES="50", TERM="xterm-256color", NO_COLOR="1", PYTHONIOENCODING="utf-8")
    child = pexpect.spawn(str(BIN / "spinetriage"), shlex.split(command)[2:], env=env, cwd=str(tmp_path),
                          dimensions=(50, 80), encoding="utf-8", timeout=TIMEOUT)
    screen_parts = []
    try:
        for answer in answers:
            child.expect_exact("> ")
            screen_parts.append(child.before + child.after)
            child.sendline(answer)
        child.expect(pexpect.EOF)
        screen_parts.append(child.before)
    finally:
        child.close(force=True)
    screen = "\n".join(line.rstrip() for line in ESCAPES.sub("", "".join(screen_parts)).split("\n"))
    at = 0
    for part in re.split(r"^\.\.\.\n", shown, flags=re.M):
        part = part.strip("\n")
        found = screen.find(part, at)
        assert found >= 0, f"{source.name}: not on the screen (in this order):\n{part}\n\nscreen:\n{screen}"
        at = found + len(part)
    assert child.exitstatus == 0
