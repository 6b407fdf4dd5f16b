"""One origin per person, tried as hostile learners would, in Chromium against the real hub.

The attack is an output of a notebook cell (an ``<img onerror>``: JupyterLab runs the scripts of
outputs of cells its user ran), run by its victim:
- a reviewer runs an author's copy (in a review room, its « Ouvrir la copie »);
- an instructor opens a learner's JupyterLab to help and runs the learner's cell;
- a learner opens a server another learner shared with them (a share code) and runs its cell.
The script tries what took accounts over when everything shared one origin: read the hub's
home page (its xsrf token), create a hub token for the victim, read and delete a file of the
victim's own server, post as the victim to the course service, read cookies, frame the victim's
JupyterLab and read it. Every attempt must fail, and the victim's tokens, files and reviews stay
as they were. Each case was checked once against the defence removed (docs/security.md).
"""

from __future__ import annotations

import base64
import json
import re
from urllib.parse import urlsplit

import nbformat
import pytest
import requests
from playwright.sync_api import expect

from decoder import origins, protocol
from decoder.peer.store import PeerStore
from tests import lab
from tests.browsers import log_in_to_lab, new_page
from tests.hubclient import Learner, demo_account
from tests.pages import Pages, submit
from tests.test_peer_browser import hold_the_review_of

pytestmark = [pytest.mark.docker, pytest.mark.browser]

PEER = "s1-algorithme-du-quotidien"
PYTHON = {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                         "language": "python"}}

ATTACK = """
(async () => {
  const r = {};
  const hub = HUB, victim = VICTIM, lab = LAB, course = COURSE;
  async function attempt(name, act) {
    try { r[name] = await act(); } catch (error) { r[name] = "blocked: " + error; }
  }
  let xsrf = "";
  await attempt("hub_home", async () => {
    const page = await (await fetch(hub + "/hub/home", {credentials: "include"})).text();
    const found = page.match(/xsrf_token: *"([^"]+)"/);
    xsrf = found ? found[1] : "";
    return page.includes("jhdata") ? "READ" : "unread"; });
  await attempt("token_cors", async () => (await fetch(
    hub + "/hub/api/users/" + victim + "/tokens", {method: "POST", credentials: "include",
    headers: {"Content-Type": "application/json", "X-XSRFToken": xsrf},
    body: '{"note": "vol"}'})).status);
  await attempt("token_blind", async () => { await fetch(
    hub + "/hub/api/users/" + victim + "/tokens", {method: "POST", credentials: "include",
    mode: "no-cors", body: '{"note": "vol"}'}); return "sent"; });
  await attempt("file_read", async () => {
    const answer = await fetch(lab + "/api/contents/secret.txt", {credentials: "include"});
    return answer.status + " " + (await answer.text()).slice(0, 80); });
  await attempt("file_delete", async () => { await fetch(lab + "/api/contents/secret.txt",
    {method: "DELETE", credentials: "include", mode: "no-cors"}); return "sent"; });
  await attempt("course_staff", async () => (await (await fetch(
    course + "/staff/export.csv", {credentials: "include"})).text()).slice(0, 40));
  await attempt("course_review", async () => { await fetch(course + "/peer/review/REVIEW",
    {method: "POST", credentials: "include", mode: "no-cors",
     body: new URLSearchParams({"criterion-0": "0", "criterion-1": "0", "criterion-2": "0",
       "comment": "Relecture écrite par le script de l'auteur, pas par la personne."})});
    return "sent"; });
  await attempt("cookies", async () => document.cookie);
  await attempt("frame", async () => {
    const frame = document.createElement("iframe");
    frame.src = lab + "/lab"; document.body.appendChild(frame);
    await new Promise(done => setTimeout(done, 3000));
    return frame.contentDocument ? "READ: " + frame.contentDocument.title : "unread"; });
  window.__attack = r;
})();
"""


def attack_cell(platform, victim: str, review: int = 0) -> str:
    """The code of a cell whose output runs ATTACK in the browser of whoever runs it."""
    script = (ATTACK.replace("HUB", json.dumps(platform.url))
              .replace("VICTIM", json.dumps(victim))
              .replace("LAB", json.dumps(origins.server_url(platform.url, victim)))
              .replace("COURSE", json.dumps(origins.service_url(platform.url,
                                                                protocol.SERVICE)))
              .replace("REVIEW", str(review)))
    encoded = base64.b64encode(script.encode()).decode()
    html = f'<img src="x" alt="" onerror="eval(atob(\'{encoded}\'))">'
    return f"from IPython.display import HTML\nHTML({html!r})"


def plant_trap(platform, owner: Learner, filename: str, *, victim: str) -> None:
    """A notebook in ``owner``'s own server whose cell attacks ``victim`` when they run it."""
    trap = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        attack_cell(platform, victim))], metadata=PYTHON)
    assert owner.server_api("PUT", f"/contents/{filename}", json={
        "type": "notebook", "format": "json", "content": trap}).status_code in (200, 201)


def tokens_of(victim: Learner) -> dict[str, dict]:
    return {token["id"]: token for token in
            victim.api("GET", f"/users/{victim.name}/tokens").json()["api_tokens"]}


def no_token_made_for(victim: Learner, before: dict[str, dict]) -> None:
    """Signing in through OAuth (the hub, a server, the course service) makes tokens as the
    victim's browser goes: each says which OAuth client it is for. A token made by the attack
    would be an API token of its own (no OAuth client), noted « vol »."""
    for key, token in tokens_of(victim).items():
        if key in before:
            continue
        assert token.get("oauth_client") and token.get("note") != "vol", token


def with_a_secret(victim: Learner) -> None:
    victim.start_server()
    victim.open_lab()
    saved = victim.server_api("PUT", "/contents/secret.txt", json={
        "type": "file", "format": "text", "content": "mon secret"})
    assert saved.status_code in (200, 201)


def the_attack_failed(page, platform, victim: Learner, before: dict) -> dict:
    page.wait_for_function("() => window.__attack !== undefined", timeout=60_000)
    found = page.evaluate("() => window.__attack")
    assert found["hub_home"] != "READ" and found["frame"] != "READ", found
    assert "200 " not in str(found["file_read"]) and found["token_cors"] != 201, found
    assert "export" not in str(found["course_staff"]).lower(), found
    # the page's own origin's xsrf cookie is there for JupyterLab to read; no login cookie of
    # the hub's or of the victim's own server is
    for cookie in ("jupyterhub-hub-login", "jupyterhub-session",
                   f"jupyterhub-user-{victim.name}"):
        assert cookie not in found["cookies"], found
    no_token_made_for(victim, before)
    kept = victim.server_api("GET", "/contents/secret.txt")
    assert kept.status_code == 200 and kept.json()["content"] == "mon secret"
    return found


def run_all(page) -> None:
    expect(page.get_by_text("Python 3 (ipykernel) | Inactif")).to_be_visible(timeout=120_000)
    page.get_by_role("menuitem", name="Exécution").click()
    page.get_by_text("Exécuter toutes les cellules", exact=True).click()


def test_an_authors_copy_acts_as_nobody_when_its_reviewer_runs_it(platform, browser):
    author, reviewer = platform.signed_up("mallory"), platform.signed_up("relou")
    with_a_secret(reviewer)
    before = tokens_of(reviewer)
    master = nbformat.read(platform.settings.masters_dir / PEER / f"{PEER}.ipynb", 4)
    master.cells.append(nbformat.v4.new_code_cell(attack_cell(platform, reviewer.name)))
    submission = submit(platform, author, PEER, master)
    review = hold_the_review_of(platform, Pages(reviewer), submission)
    # the attack now also knows the review it is run for
    master.cells[-1].source = attack_cell(platform, reviewer.name, review)
    store = PeerStore(lab.store(platform).engine)

    page = new_page(browser)
    log_in_to_lab(page, platform, reviewer)
    page.goto(f"{platform.url}/services/course/peer/review/{review}")
    with page.context.expect_page() as opened:
        page.get_by_role("button", name="Ouvrir la copie pour l'exécuter").click()
    room = opened.value
    room.get_by_role("button", name="Ouvrir").click()  # the hub's page: a room, not theirs
    room.wait_for_url(re.compile(rf"/lab/tree/copie-{review}\.ipynb"), timeout=180_000)
    assert urlsplit(room.url).hostname.startswith("relecture-")
    expect(room.locator(".jp-RenderedMarkdown").first).to_contain_text("Copie anonyme",
                                                                      timeout=120_000)
    run_all(room)
    the_attack_failed(room, platform, reviewer, before)
    assert store.review(review)["done_at"] is None  # no review sent in their name


def test_a_learners_cell_acts_as_nobody_when_an_instructor_runs_it_to_help(platform, browser):
    learner = platform.signed_up("piegeuse")
    instructor = demo_account(platform.settings, "formatrice")
    with_a_secret(instructor)
    before = tokens_of(instructor)
    learner.start_server()
    learner.open_lab()
    plant_trap(platform, learner, "aide-moi.ipynb", victim=instructor.name)

    page = new_page(browser)
    page.goto(f"{platform.url}/hub/login")
    page.fill("#username_input", instructor.name)
    page.fill("#password_input", instructor.password)
    page.click("#login_submit")
    page.wait_for_url(re.compile(r"/user/formatrice/"), timeout=180_000)
    page.goto(f"{origins.server_url(platform.url, learner.name)}/lab/tree/aide-moi.ipynb")
    page.get_by_role("button", name="Ouvrir").click()  # the hub's page: someone else's space
    page.wait_for_url(re.compile(r"/lab/tree/aide-moi\.ipynb"), timeout=180_000)
    assert urlsplit(page.url).hostname == f"{learner.name}.localhost"
    run_all(page)
    the_attack_failed(page, platform, instructor, before)


def test_a_shared_servers_cell_acts_as_nobody_when_the_next_learner_runs_it(platform, browser):
    owner, guest = platform.signed_up("partage"), platform.signed_up("invite")
    with_a_secret(guest)
    before = tokens_of(guest)
    owner.start_server()
    owner.open_lab()
    plant_trap(platform, owner, "a-voir.ipynb", victim=guest.name)
    code = owner.api("POST", f"/share-codes/{owner.name}/")
    assert code.status_code == 200, code.text

    page = new_page(browser)
    log_in_to_lab(page, platform, guest)
    page.goto(platform.url + code.json()["accept_url"])
    page.get_by_role("button", name="Accepter l'invitation").click()
    page.goto(f"{origins.server_url(platform.url, owner.name)}/lab/tree/a-voir.ipynb")
    if page.get_by_role("button", name="Ouvrir").count():
        page.get_by_role("button", name="Ouvrir").click()
    page.wait_for_url(re.compile(r"/lab/tree/a-voir\.ipynb"), timeout=180_000)
    run_all(page)
    the_attack_failed(page, platform, guest, before)


def test_the_hubs_pages_are_never_served_on_a_persons_origin(platform):
    """A login on a learner's origin would put a hub cookie where their code runs: the hub's
    and the services' paths there are sent to their own origins."""
    learner = platform.signed_up("hote")
    for path, belongs in [("/hub/login", platform.url),
                          ("/hub/api/users", platform.url),
                          ("/services/course/course",
                           origins.origin_of(platform.url, protocol.SERVICE, "service"))]:
        answer = learner.http.get(origins.origin_of(platform.url, learner.name) + path,
                                  allow_redirects=False, timeout=30)
        assert answer.status_code == 302 and answer.headers["Location"] == belongs + path, (
            path, answer.status_code, answer.headers.get("Location"))
    # the address people may type leads to the hub's own origin, not to a second hub
    typed = requests.get(f"{platform.settings.proxy_address}/hub/login?next=%2Fhub%2F",
                         allow_redirects=False, timeout=30)
    assert typed.status_code == 302
    assert typed.headers["Location"] == platform.url + "/hub/login?next=%2Fhub%2F"


def test_a_name_that_is_not_a_dns_label_gets_an_origin_too(platform):
    """JupyterHub's idna hook: an accented name is encoded (xn--…), and the learner works."""
    learner = platform.learner("élodie")
    assert "Votre compte est prêt" in learner.signup()
    learner.login()
    learner.start_server()
    lab = learner.open_lab()
    host = urlsplit(lab.url).hostname
    assert host.startswith("xn--") and host.endswith(".localhost"), host
    assert learner.run_code("print(6 * 7)").strip() == "42"
