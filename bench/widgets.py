"""Widgets benchmark: a lesson with ten learning widgets against the same lesson with ten plain
outputs, opened and run in a real learner's JupyterLab in Chromium, in the same run.

The platform is started for real (hub, a learner's container from the lab image). Each round
opens a notebook in a fresh page and measures, in the browser: from the navigation to the
kernel ready (« Inactif »), then from « Exécuter toutes les cellules » to ten outputs shown
(ten widgets drawn by the widget manager, or ten printed texts). Rounds alternate between the
two notebooks; medians are printed with their ratio. Goal (issue 20): the ten-widget lesson
ready in under 2 s once its kernel is up. The lab image's idle memory per learner is measured
by bench/spawn.py (same image on both stacks).

    .venv/bin/python bench/widgets.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import re
import secrets
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

import docker
import nbformat
from playwright.sync_api import expect, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from decoder.hub import homes  # noqa: E402
from decoder.ops import hubprocess  # noqa: E402
from decoder.settings import PlatformSettings  # noqa: E402
from tests.browsers import CHROMIUM_ARGS, log_in_to_lab  # noqa: E402
from tests.course_copy import course_copy  # noqa: E402
from tests.hubclient import Learner  # noqa: E402
from tests.unit.test_parsons import PANIER  # noqa: E402
from tests.unit.test_quiz import MULTIPLE, SINGLE  # noqa: E402

PORT = 29400
GOAL_SECONDS = 2.0
WAIT_MS = 120_000
STEPS = "total = 0\nfor prix in [3, 4, 5]:\n    total = total + prix\nprint(total)\n"
HINTS = {"id": "s1-bonjour", "hints": ["Une fonction renvoie avec return.",
                                       "Assemblez : \"Bonjour, \" + prenom + \" !\""]}
WIDGET_CELLS = [
    f'from decoder_widgets import quiz\nquiz("""{SINGLE}""")',
    f"quiz({MULTIPLE!r})",
    f'quiz("""{SINGLE.replace("s1-print", "s1-print-2")}""")',
    f"quiz({ {**MULTIPLE, 'id': 's1-noms-2'}!r})",
    f"from decoder_widgets import pas_a_pas\npas_a_pas({STEPS!r})",
    f"pas_a_pas({STEPS.replace('[3, 4, 5]', '[1, 2]')!r})",
    f"from decoder_widgets import remettre_en_ordre\nremettre_en_ordre({PANIER!r})",
    'from decoder_widgets import predisez\npredisez("bench-1", "print(6 * 7)")',
    'predisez("bench-2", "print(\'bonjour\' * 2)")',
    f"from decoder_widgets import indices\nindices({HINTS!r})",
]
WIDGETS = ".decoder-quiz, .decoder-stepper, .decoder-parsons, .decoder-predict, .decoder-hints"
PLAIN = ".jp-OutputArea-output pre"
END_SESSIONS = """async () => {
  const config = JSON.parse(document.getElementById('jupyter-config-data').textContent);
  const headers = {'Authorization': 'token ' + config.token};
  for (const session of await (await fetch(config.baseUrl + 'api/sessions', {headers})).json()) {
    await fetch(config.baseUrl + 'api/sessions/' + session.id, {method: 'DELETE', headers});
  }
}"""


def lesson(cells: list[str]) -> str:
    notebook = nbformat.v4.new_notebook(metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}})
    notebook.cells = [nbformat.v4.new_markdown_cell("# Une leçon")] + [
        nbformat.v4.new_code_cell(source) for source in cells]
    return nbformat.writes(notebook)


def settings_for(data_dir: Path) -> PlatformSettings:
    settings = PlatformSettings.load()
    for name, value in {
        "instance": "decoder-benchwidgets", "data_dir": str(data_dir), "public_port": PORT,
        "hub_port": PORT + 81, "proxy_api_port": PORT + 1, "course_service_port": PORT + 82,
        "learner_network": "decoder-benchwidgets", "learner_subnet": "172.29.14.0/24",
        "learner_bridge": "decoder-bwidg0", "grading_workers": 1, "formgrader": False,
        "course_file": str(course_copy(data_dir / "course")),
    }.items():
        setattr(settings, name, value)
    return settings


def one_round(browser, lab_url: str, notebook: str, shown: str) -> tuple[float, float]:
    """(seconds to the kernel ready, seconds from « run all » to ten outputs shown)."""
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900},
                                  storage_state=STATE)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    began = time.monotonic()
    page.goto(re.sub(r"/lab.*", f"/lab/tree/{notebook}", lab_url))
    expect(page.get_by_text("Python 3 (ipykernel) | Inactif")).to_be_visible(timeout=WAIT_MS)
    ready = time.monotonic()
    page.get_by_role("menuitem", name="Exécution").click()
    page.get_by_text("Exécuter toutes les cellules", exact=True).click()
    clicked = time.monotonic()
    expect(page.locator(shown)).to_have_count(10, timeout=WAIT_MS)
    done = time.monotonic()
    page.evaluate(END_SESSIONS)  # the next round opens a new session, with a new kernel
    context.close()
    return ready - began, done - clicked


STATE: dict | None = None


def main() -> int:
    global STATE
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    with tempfile.TemporaryDirectory(prefix="decoder-bench-widgets-") as folder:
        settings = settings_for(Path(folder))
        hubprocess.prepare(settings)
        hubprocess.start_hub(settings)
        try:
            learner = Learner(settings.public_url, f"mesure{secrets.token_hex(3)}",
                              "mot-de-passe-" + secrets.token_hex(4))
            learner.signup()
            learner.login()
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                            args=CHROMIUM_ARGS)
                context = browser.new_context(locale="fr-FR")
                page = context.new_page()

                class Bench:  # what log_in_to_lab needs of a platform
                    url = settings.public_url
                log_in_to_lab(page, Bench, learner)
                lab_url, STATE = page.url, context.storage_state()
                context.close()
                container = docker.from_env().containers.get(
                    f"{settings.instance}-lab-{learner.name}")
                plain = [f"print('Sortie {n} : ' + 'texte ' * 20)" for n in range(10)]
                for name, cells in (("dix-widgets.ipynb", WIDGET_CELLS),
                                    ("dix-sorties.ipynb", plain)):
                    written = container.exec_run(
                        ["python3", "-c", "import sys; open(sys.argv[1], 'w').write(sys.argv[2])",
                         f"/home/jovyan/{name}", lesson(cells)], user="1000")
                    assert written.exit_code == 0, written.output
                one_round(browser, lab_url, "dix-widgets.ipynb", WIDGETS)  # warm-up
                found = {"widgets": [], "plain": []}
                for _ in range(args.rounds):
                    found["widgets"].append(one_round(browser, lab_url, "dix-widgets.ipynb",
                                                      WIDGETS))
                    found["plain"].append(one_round(browser, lab_url, "dix-sorties.ipynb",
                                                    PLAIN))
                browser.close()
        finally:
            hubprocess.stop_platform(settings)
            for container in hubprocess.learner_containers(settings):
                container.remove(force=True)
            homes.release_filesystem(settings.homes_root, settings.homes_image)
    print(f"{args.rounds} rounds each, medians (s)")
    print(f"{'lesson':28}{'kernel ready':>14}{'run to 10 shown':>17}{'total':>9}")
    medians = {}
    for name, label in (("widgets", "ten widgets"), ("plain", "ten printed outputs")):
        ready = statistics.median(r for r, _ in found[name])
        shown = statistics.median(s for _, s in found[name])
        medians[name] = (ready, shown)
        print(f"{label:28}{ready:14.2f}{shown:17.2f}{ready + shown:9.2f}")
    widgets, plain = medians["widgets"], medians["plain"]
    print(f"ratio widgets / plain: run to shown {widgets[1] / plain[1]:.2f}, total "
          f"{sum(widgets) / sum(plain):.2f}; ten widgets shown {widgets[1]:.2f} s after « run "
          f"all » (goal {GOAL_SECONDS:.0f} s: {'met' if widgets[1] < GOAL_SECONDS else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
