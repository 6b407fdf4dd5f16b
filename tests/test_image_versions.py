"""Each build removes the older versions of the platform's images, never one a container uses.
Run against the real engine with throwaway images of a repository of its own."""

from __future__ import annotations

import subprocess

import pytest

from decoder.ops.images import remove_older_tags

pytestmark = pytest.mark.docker

REPOSITORY = "decoder-test-versions/x"


def empty_image(tag: str) -> None:
    """An image of its own (its label differs), holding nothing."""
    empty_tar = subprocess.run(["tar", "cf", "-", "--files-from", "/dev/null"],
                               capture_output=True, check=True).stdout
    subprocess.run(["docker", "import", "--change", f"LABEL version={tag}", "-",
                    f"{REPOSITORY}:{tag}"], input=empty_tar, capture_output=True, check=True)


def tags() -> set[str]:
    listed = subprocess.run(["docker", "images", REPOSITORY, "--format", "{{.Tag}}"],
                            capture_output=True, text=True, check=True)
    return set(listed.stdout.split())


def test_older_versions_go_the_current_one_latest_and_one_in_use_stay():
    for tag in ("old1", "old2", "now"):
        empty_image(tag)
    subprocess.run(["docker", "tag", f"{REPOSITORY}:now", f"{REPOSITORY}:latest"], check=True)
    container = subprocess.run(["docker", "create", f"{REPOSITORY}:old2", "true"],
                               capture_output=True, text=True, check=True).stdout.strip()
    said: list[str] = []
    try:
        remove_older_tags(f"{REPOSITORY}:now", said.append)
        assert tags() == {"now", "latest", "old2"}
        assert f"older image {REPOSITORY}:old2: kept (in use)" in said
        assert f"older image {REPOSITORY}:old1: removed" in said
    finally:
        subprocess.run(["docker", "rm", "-f", container], capture_output=True)
        for tag in tags():
            subprocess.run(["docker", "rmi", "-f", f"{REPOSITORY}:{tag}"], capture_output=True)
