"""Learners' homes with a size limit (decoder/hub/homes.py) on a real btrfs filesystem, loop-mounted
here as `decoder up` does it (root, btrfs-progs: scripts/bootstrap.sh), and the lab's saving
(images/lab/decoder_home.py) against a real full home, beside jupyter_server's own."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import importlib.util
import os
from pathlib import Path

import nbformat
import pytest
from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager
from tornado import web

from decoder import protocol
from decoder.hub import homes
from decoder.settings import PROJECT_ROOT

spec = importlib.util.spec_from_file_location(
    "decoder_home", PROJECT_ROOT / "images" / "lab" / "decoder_home.py")
decoder_home = importlib.util.module_from_spec(spec)
spec.loader.exec_module(decoder_home)

LIMIT_MB = 16


# ---- pure ----

@pytest.mark.parametrize("name", ["", "..", "a/b", "../etc", "A", ".hidden", "a..b", "é",
                                  "a\x00b", "a" * 251])
def test_unsafe_home_names_are_refused(name):
    with pytest.raises(homes.HomesError):
        homes.home_path("/homes", name)


def test_home_path():
    assert homes.home_path("/srv/homes", "alice-2e") == Path("/srv/homes/alice-2e")
    long = "z-c3-a9" * 28  # a long name of accented letters, as DockerSpawner escapes it
    assert homes.home_path("/srv/homes", long).name == long
    # « élodie », escaped: a folder name that would start with « - » gets a letter first
    assert homes.home_path("/srv/homes", "-c3-a9lodie").name == "u-c3-a9lodie"
    assert homes.home_path("/srv/homes", "-c3-a9" * 41 + "ab").name.startswith("u-c3")


MOUNTINFO = """\
22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/vda rw
95 22 7:0 / /srv/decoder\\040data/homes rw,noatime shared:50 - btrfs /dev/loop0 rw,space_cache
96 22 0:50 / /srv/other rw - tmpfs tmpfs rw
97 96 7:1 / /srv/other rw - btrfs /dev/loop1 rw
"""


def test_mounted_fstype_reads_the_mount_table():
    assert homes.mounted_fstype(MOUNTINFO, "/srv/decoder data/homes") == "btrfs"
    assert homes.mounted_fstype(MOUNTINFO, "/srv/decoder data/homes/") == "btrfs"
    assert homes.mounted_fstype(MOUNTINFO, "/srv/decoder data") is None
    assert homes.mounted_fstype(MOUNTINFO, "/srv/other") == "btrfs"  # the last mount wins


def test_limits_are_positive():
    assert homes.limit_text(1024) == "1024M"
    with pytest.raises(homes.HomesError):
        homes.limit_text(0)


def test_home_full_follows_causes():
    try:
        try:
            raise OSError(errno.EDQUOT, "Disk quota exceeded")
        except OSError as error:
            raise web.HTTPError(500, "Unexpected error") from error
    except web.HTTPError as wrapped:
        assert decoder_home.home_full(wrapped)
    assert not decoder_home.home_full(web.HTTPError(500, "other"))
    assert not decoder_home.home_full(OSError(errno.EACCES, "denied"))


# ---- a real btrfs filesystem ----

@pytest.fixture(scope="module")
def homes_root(tmp_path_factory):
    data = tmp_path_factory.mktemp("homes-data")
    root, image = data / "homes", data / homes.IMAGE_NAME
    homes.ensure_filesystem(root, image, image_gb=1)
    homes.ensure_filesystem(root, image, image_gb=1)  # a second `decoder up` changes nothing
    yield root
    assert homes.release_filesystem(root, image)
    assert homes.fstype_at(root) is None


def test_the_filesystem_is_btrfs_private_and_sparse(homes_root):
    assert homes.fstype_at(homes_root) == "btrfs"
    assert oct(homes_root.stat().st_mode & 0o777) == "0o700"
    image = homes_root.parent / homes.IMAGE_NAME
    assert image.stat().st_blocks * 512 < 200 * 1024 ** 2  # 1 GiB announced, little used


def test_a_home_is_limited_and_owned_by_the_lab_user(homes_root):
    home = homes.ensure_home(homes_root, "limited", LIMIT_MB)
    assert (home.stat().st_uid, home.stat().st_gid) == (homes.HOME_UID, homes.HOME_UID)
    with pytest.raises(OSError) as refused, open(home / "big", "wb") as file:
        for _ in range(LIMIT_MB * 2):
            file.write(b"x" * 1024 ** 2)
            file.flush()
    assert refused.value.errno == errno.EDQUOT
    # the neighbour's home and the filesystem itself still take writes
    neighbour = homes.ensure_home(homes_root, "neighbour", LIMIT_MB)
    (neighbour / "notes.txt").write_bytes(b"y" * 4 * 1024 ** 2)
    (home / "big").unlink()
    (home / "after.txt").write_bytes(b"z" * 1024 ** 2)  # room again once files are deleted


def test_status_tells_the_homes_apart_from_a_missing_mount(homes_root, tmp_path):
    homes.ensure_home(homes_root, "counted", LIMIT_MB)
    line = homes.describe(homes_root, LIMIT_MB)
    assert line.startswith(f"btrfs at {homes_root}") and f"at most {LIMIT_MB} MB" in line
    assert "NOT MOUNTED" in homes.describe(tmp_path, LIMIT_MB)


def test_the_longest_name_gets_its_home(homes_root):
    name = "z-c3-a9" * 35 + "abcde"  # 250 characters, as DockerSpawner escapes accented names
    assert homes.ensure_home(homes_root, name, LIMIT_MB).name == name


def test_a_changed_limit_applies_at_the_next_start(homes_root):
    home = homes.ensure_home(homes_root, "grows", LIMIT_MB)
    homes.ensure_home(homes_root, "grows", LIMIT_MB * 3)
    (home / "bigger").write_bytes(b"x" * (LIMIT_MB * 2 * 1024 ** 2))


def test_a_former_volume_is_copied_once_and_kept(homes_root, tmp_path):
    former = tmp_path / "volume"
    (former / "cours").mkdir(parents=True)
    (former / "cours" / "mine.ipynb").write_text("{}")
    os.chown(former / "cours" / "mine.ipynb", homes.HOME_UID, homes.HOME_UID)
    home = homes.ensure_home(homes_root, "moved", LIMIT_MB, former)
    assert (home / "cours" / "mine.ipynb").read_text() == "{}"
    assert (home / "cours" / "mine.ipynb").stat().st_uid == homes.HOME_UID
    assert (former / "cours" / "mine.ipynb").exists()  # the volume is kept
    (home / "cours" / "mine.ipynb").write_text('{"changed": 1}')
    homes.ensure_home(homes_root, "moved", LIMIT_MB, former)  # not copied over again
    assert (home / "cours" / "mine.ipynb").read_text() == '{"changed": 1}'


def test_a_former_volume_larger_than_the_limit_is_refused_and_kept(homes_root, tmp_path):
    former = tmp_path / "volume"
    former.mkdir()
    (former / "data.bin").write_bytes(b"x" * (LIMIT_MB * 2 * 1024 ** 2))
    with pytest.raises(homes.HomesError, match="larger than home_size_mb"):
        homes.ensure_home(homes_root, "toobig", LIMIT_MB, former)
    assert not (homes_root / "toobig").exists()  # no half-copied home
    assert (former / "data.bin").stat().st_size == LIMIT_MB * 2 * 1024 ** 2
    homes.ensure_home(homes_root, "toobig", LIMIT_MB * 4, former)  # the operator raised it


def test_homes_are_not_made_over_a_plain_folder(tmp_path):
    (tmp_path / "homes").mkdir()
    (tmp_path / "homes" / "someone").mkdir()
    with pytest.raises(homes.HomesError, match="not empty"):
        homes.ensure_filesystem(tmp_path / "homes", tmp_path / "homes.img", image_gb=1)
    with pytest.raises(homes.HomesError, match="not mounted"):
        homes.ensure_home(tmp_path / "homes", "someone", LIMIT_MB)


# ---- saving in a full home ----

def notebook(text: str) -> dict:
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(text)])


def fill(home: Path, leave_kb: int) -> None:
    """The home filled to its limit by the learner's own files, then ``leave_kb`` freed."""
    (home / "big").write_bytes(b"x" * (LIMIT_MB - 1) * 1024 ** 2)
    count = 0
    with contextlib.suppress(OSError):
        while True:
            (home / f"small-{count}").write_bytes(b"x" * 4096)
            count += 1
    os.sync()
    for index in range(leave_kb // 4):
        (home / f"small-{index}").unlink()
    os.sync()


async def save(manager, text: str):
    return await manager.save({"type": "notebook", "content": notebook(text)}, "devoir.ipynb")


def saved_text(home: Path) -> str:
    return nbformat.read(home / "devoir.ipynb", as_version=4).cells[0].source


@pytest.mark.parametrize("leave_kb", [0, 32])
def test_a_save_in_a_full_home_is_refused_plainly_and_keeps_the_saved_version(
        homes_root, leave_kb, monkeypatch):
    monkeypatch.setenv(protocol.HOME_LIMIT_ENV, str(LIMIT_MB))
    monkeypatch.setenv(protocol.LANGUAGE_ENV, "fr")
    home = homes.ensure_home(homes_root, f"saver-{leave_kb}", LIMIT_MB)
    manager = decoder_home.HomeContentsManager(root_dir=str(home))
    asyncio.run(save(manager, "version enregistrée"))
    fill(home, leave_kb)
    with pytest.raises(web.HTTPError) as refused:
        asyncio.run(save(manager, "nouvelle version " + "x" * 100_000))
    assert refused.value.status_code == 507
    assert f"plein (limite : {LIMIT_MB} Mo)" in refused.value.log_message
    assert "devoir.ipynb" in refused.value.log_message
    assert saved_text(home) == "version enregistrée"
    assert not [path for path in home.rglob("*") if path.name.startswith(".~")]  # no leftover
    (home / "big").unlink()
    asyncio.run(save(manager, "après le ménage"))
    assert saved_text(home) == "après le ménage"


def test_jupyter_servers_own_save_in_a_nearly_full_home_damages_the_notebook(homes_root):
    """Why the lab has its own manager (the defence removed): jupyter_server's rewrites the
    notebook in place and syncs outside its error handling, so a save that runs out of room
    leaves a notebook that is no longer JSON (its last version in a hidden « .~ » copy), and
    answers 500 « Unexpected error »."""
    home = homes.ensure_home(homes_root, "saver-stock", LIMIT_MB)
    manager = AsyncLargeFileManager(root_dir=str(home))
    asyncio.run(save(manager, "version enregistrée"))
    fill(home, leave_kb=32)
    with pytest.raises(web.HTTPError) as refused:
        asyncio.run(save(manager, "nouvelle version " + "x" * 100_000))
    assert refused.value.status_code == 500
    with pytest.raises(nbformat.reader.NotJSONError):
        saved_text(home)


def test_a_python_notebook_opens_with_the_kernels_language_info():
    from ipykernel.ipkernel import IPythonKernel  # what the lab image's build writes

    kernel = dict(IPythonKernel.language_info)
    course = {"metadata": {"language_info": {"name": "python"},
                           "kernelspec": {"name": "python3", "language": "python"}},
              "cells": [{"cell_type": "code", "source": "1"}]}
    decoder_home.as_the_kernel_finds_it(course, kernel)
    assert course["metadata"]["language_info"] == kernel
    assert course["cells"] == [{"cell_type": "code", "source": "1"}]
    bare = {"metadata": {"kernelspec": {"name": "python3", "language": "python"}}}
    decoder_home.as_the_kernel_finds_it(bare, kernel)
    assert bare["metadata"]["language_info"] == kernel
    # another language, no metadata, or no file written at build: left as it is
    other = {"metadata": {"language_info": {"name": "R"}}}
    decoder_home.as_the_kernel_finds_it(other, kernel)
    assert other == {"metadata": {"language_info": {"name": "R"}}}
    for odd in ({}, {"metadata": None}, []):
        decoder_home.as_the_kernel_finds_it(odd, kernel)
    decoder_home.as_the_kernel_finds_it(course, None)
    assert decoder_home.kernel_language_info("/nonexistent/language_info.json") is None
