"""A learner fills their home (the test platform's home_size_mb is 100): their own writes are
refused by the kernel, a save says so plainly in French and keeps the version saved before,
other learners keep working, and deleting files makes room again. The home is a btrfs
subvolume with a quota group (decoder/hub/homes.py); defence removed: see docs/security.md."""

from __future__ import annotations

import nbformat
import pytest
from playwright.sync_api import expect

from decoder.hub import homes
from tests.browsers import log_in_to_lab, new_page

pytestmark = pytest.mark.docker

FILL = """
import errno
written = 0
try:
    with open('remplissage.bin', 'wb') as file:
        while written < {most_mb}:  # without a limit, stop anyway: the host's disk is shared
            file.write(b'x' * 1024 * 1024)
            file.flush()
            written += 1
    print('ACCEPTED', False, written)
except OSError as error:
    print('REFUSED', error.errno == errno.EDQUOT, written)
"""


def notebook_model(text: str) -> dict:
    cell = nbformat.v4.new_markdown_cell(text)
    kernel = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    notebook = nbformat.v4.new_notebook(cells=[cell], metadata={"kernelspec": kernel})
    return {"type": "notebook", "content": notebook}


def save(learner, path: str, text: str):
    return learner.server_api("PUT", f"/contents/{path}", json=notebook_model(text))


def saved_text(learner, path: str) -> str:
    response = learner.server_api("GET", f"/contents/{path}")
    response.raise_for_status()
    return response.json()["content"]["cells"][0]["source"]


@pytest.fixture
def full_learner(platform):
    learner = platform.signed_up("plein")
    learner.start_server()
    learner.open_lab()
    assert save(learner, "devoir.ipynb", "version enregistrée").status_code == 201
    limit = platform.settings.home_size_mb
    refused, written = learner.run_code(FILL.format(most_mb=2 * limit), timeout=120).split()[1:]
    assert refused == "True"  # the kernel's own write was refused for the quota
    assert limit - 10 <= int(written) <= limit  # ...at the limit (the lessons take a little)
    return learner


def test_a_full_home_is_said_plainly_and_others_keep_working(platform, full_learner, learner_b):
    home = homes.home_path(platform.settings.homes_root, full_learner.name)
    assert home.is_dir()  # a subvolume of the homes' filesystem, bound into the container

    refused = save(full_learner, "devoir.ipynb", "nouvelle version " + "x" * 100_000)
    assert refused.status_code == 507, refused.text
    message = refused.json()["message"]
    assert f"Votre dossier personnel est plein (limite : {platform.settings.home_size_mb} Mo)" \
        in message
    assert "Supprimez des fichiers" in message
    assert saved_text(full_learner, "devoir.ipynb") == "version enregistrée"
    assert not [path for path in home.rglob(".~*")]  # no half-written copy left behind

    # another learner's home, and the platform, are untouched
    learner_b.open_lab()
    assert save(learner_b, "voisin.ipynb", "ça marche").status_code == 201
    assert saved_text(learner_b, "voisin.ipynb") == "ça marche"

    # a kernel still starts in the full home (its connection file is on /tmp)
    assert full_learner.run_code("print(6 * 7)").strip() == "42"

    # deleting a file makes room again
    assert full_learner.server_api("DELETE", "/contents/remplissage.bin").status_code == 204
    assert save(full_learner, "devoir.ipynb", "après le ménage").status_code == 200
    assert saved_text(full_learner, "devoir.ipynb") == "après le ménage"


@pytest.mark.browser
def test_jupyterlab_shows_the_full_home_message(platform, full_learner, browser):
    page = new_page(browser)
    log_in_to_lab(page, platform, full_learner)
    page.goto(f"{full_learner.server_url}/lab/tree/devoir.ipynb")
    cell = page.locator(".jp-MarkdownCell").first
    cell.dblclick()
    page.keyboard.press("End")
    page.keyboard.type(" et une phrase de plus")
    page.keyboard.press("Control+s")
    dialog = page.locator(".jp-Dialog")
    expect(dialog).to_contain_text("Votre dossier personnel est plein", timeout=30_000)
    expect(dialog).to_contain_text("Supprimez des fichiers")
    assert saved_text(full_learner, "devoir.ipynb") == "version enregistrée"
