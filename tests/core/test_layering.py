"""The core must stay usable without the UI: importing it (or running a non-UI command)
must not load Textual."""

from __future__ import annotations

import subprocess
import sys


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys\nprint('\\n'.join(sys.modules))"],
                         capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_core_does_not_import_textual():
    mods = _modules_after("import reader.core, reader.core.library, reader.core.ingest.fetch, "
                          "reader.core.ingest.parse, reader.core.ingest.content, reader.core.opml")
    assert "reader.core.library" in mods
    assert "textual" not in mods


def test_cli_commands_do_not_import_textual(tmp_path):
    db = tmp_path / "x.db"
    code = (
        "import sys\n"
        "from reader.cli import main\n"
        f"sys.argv = ['reader', '--db', {str(db)!r}, 'feeds', '--json']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
    )
    mods = _modules_after(code)
    assert "reader.cli" in mods
    assert "textual" not in mods
