import os

import pytest

from graders.sandbox import copy_regular_files, sandbox_run_args


def test_only_regular_files_are_copied_never_a_notebook_nor_the_target_itself(tmp_path):
    """The kernel gets the submission's data, never a notebook: the one being graded holds
    the hidden tests once nbgrader restored them."""
    source = tmp_path / "job"
    (source / "data").mkdir(parents=True)
    (source / "data" / "meteo.csv").write_text("ville,t\n")
    (source / "notebook.ipynb").write_text("### BEGIN HIDDEN TESTS")
    (source / "data" / "copie.ipynb").write_text("{}")
    os.symlink("/etc/passwd", source / "lien")
    target = source / "sandbox" / "work"  # inside the source: must not copy itself
    copy_regular_files(source, target, max_bytes=10_000)
    copied = sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file())
    assert copied == ["data/meteo.csv"]


def test_devices_are_skipped_and_size_is_bounded(tmp_path):
    source = tmp_path / "job"
    source.mkdir()
    os.symlink("/dev/zero", source / "zero")
    (source / "big.bin").write_bytes(b"x" * 2000)
    with pytest.raises(RuntimeError, match="exceed"):
        copy_regular_files(source, tmp_path / "work", max_bytes=1000)


def test_sandbox_has_no_network_no_privileges_and_limits(tmp_path):
    args = sandbox_run_args(name="n", folder=tmp_path, workdir=tmp_path, image="i",
                            memory="1g", cpus=1.0, pids=256, tmp_size="64m", job="j")
    joined = " ".join(args)
    for expected in ("--network none", "--cap-drop ALL", "no-new-privileges:true",
                     "--user 1000:1000", "--read-only", "--memory 1g", "--memory-swap 1g",
                     "--pids-limit 256", "--cpus 1.0", "--log-driver none"):
        assert expected in joined
    assert f"{tmp_path}:{tmp_path}" in joined and joined.count("--volume") == 1
