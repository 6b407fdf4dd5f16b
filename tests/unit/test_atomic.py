"""images/lab/decoder_atomic.py: the one write-then-rename the lab's saves, the widgets' memory
and « Par ici » share. A write that fails leaves the file as it was and nothing beside it."""

from __future__ import annotations

import stat
import sys

import pytest

from decoder.settings import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "images" / "lab"))
from decoder_atomic import replaced  # noqa: E402


def test_the_new_content_replaces_the_old_with_the_mode_asked(tmp_path):
    target = tmp_path / "page.md"
    target.write_text("avant")
    with replaced(target, mode=0o644) as file:
        file.write("après\n")
    assert target.read_text() == "après\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["page.md"]


def test_a_failed_write_keeps_the_old_content_and_leaves_nothing_behind(tmp_path):
    target = tmp_path / "widgets.json"
    target.write_text("{}")
    with pytest.raises(RuntimeError), replaced(target) as file:
        file.write('{"moitié"')
        raise RuntimeError("disque plein")
    assert target.read_text() == "{}"
    assert [p.name for p in tmp_path.iterdir()] == ["widgets.json"]


def test_bytes_are_written_as_given(tmp_path):
    with replaced(tmp_path / "image.png", text=False) as file:
        file.write(b"\x89PNG\r\n")
    assert (tmp_path / "image.png").read_bytes() == b"\x89PNG\r\n"
