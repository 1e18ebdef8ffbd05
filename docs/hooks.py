"""MkDocs hooks (mkdocs.yml, ``hooks:``): the generated parts of the pages.

- ``on_config``: pymdownx.snippets reads included files (``--8<-- "rules/README.md"``) from the
  top of the repository, wherever ``mkdocs`` is started.
- ``on_page_markdown``: every block marked ``<!-- generated: NAME -->`` ...
  ``<!-- end generated: NAME -->`` in a page is written from the vocabulary by
  ``tools/docgen.py``, the one place that renders the red-flag tables and the limits, so a
  page holds only the empty marked block and never a copy.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _docgen():
    spec = importlib.util.spec_from_file_location("spinetriage_docgen", ROOT / "tools" / "docgen.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_render = _docgen().render


def on_config(config):
    config.mdx_configs.setdefault("pymdownx.snippets", {})["base_path"] = [str(ROOT)]
    return config


def on_page_markdown(markdown, page, config, files):
    return _render(markdown)
