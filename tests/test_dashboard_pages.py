"""The learner's course page, the instructors' dashboard, the grades' export and the badges,
with the real hub, service, engine and sandboxes. Pages are used as a browser does (hub login,
the service's OAuth, forms with their xsrf token); submissions are made with the learners' own
tokens. Badges are checked with `decoder verify-badge`, as an operator would."""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import re
import time
import uuid
from pathlib import Path

import pytest
import requests

from decoder import origins, protocol
from decoder.dashboard import badges
from tests import lab, localhost
from tests.hubclient import Learner, demo_account
from tests.pages import Pages, api_token, submit

pytestmark = pytest.mark.docker

WEEK_1 = ["s1-bonjour", "s1-calculs", "s1-age-en-jours", "s1-initiales"]


def submit_right(platform, learner: Learner, names: list[str]) -> dict[str, int]:
    token, ids = api_token(learner), {}
    for name in names:
        ids[name] = submit(platform, learner, name, token=token)
    store = lab.store(platform)
    deadline = time.monotonic() + 180
    while any(store.submission(i)["state"] not in ("done", "failed") for i in ids.values()):
        assert time.monotonic() < deadline, "not graded in time"
        time.sleep(0.5)
    return ids


def instructor(platform) -> Pages:
    return Pages(demo_account(platform.settings, "formatrice"))



def test_a_learner_reads_where_they_stand_and_nothing_of_others(platform):
    learner = platform.signed_up("yann")
    pages = Pages(learner)
    assert "Pas encore de retour" in pages.text("/feedback/latest")  # and what to do for one
    # the service's own address (the hub's « Services » menu links there): the course page
    assert pages.get("/").url.endswith("/services/course/course")
    ids = submit_right(platform, learner, ["s1-bonjour"])
    page = pages.text("/course")
    assert "Mon cours" in page and "Semaine 1" in page and "note : 3 / 3" in page
    assert "pas commencé" in page  # the other exercises
    # the demo's run is mid-course: weeks 1 and 2 open, week 3 next, said in French
    assert re.search(r"La semaine 3 \(« .* »\) ouvre le \w+ \d+(er)? \w+ 20\d\d à 9 h 00",
                     page)
    feedback = pages.text(f"/feedback/{ids['s1-bonjour']}")
    assert "Note : <strong>3 / 3</strong>" in feedback
    newest = pages.get("/feedback/latest")  # « Mon dernier retour », from the notebook
    assert newest.url.endswith(f"/feedback/{ids['s1-bonjour']}") and "3 / 3" in newest.text
    other = platform.signed_up("zelie")
    other_ids = submit_right(platform, other, ["s1-calculs"])
    assert pages.get(f"/feedback/{other_ids['s1-calculs']}").status_code == 404
    assert other.name not in pages.text("/course")


def test_instructor_pages_refuse_learners_and_forged_forms(platform):
    learner = Pages(platform.signed_up("ugo"))
    for path in ("/staff/", "/staff/export.csv", "/staff/peer/s1-algorithme-du-quotidien"):
        assert learner.get(path).status_code == 403, path
    learner.get("/peer/s1-algorithme-du-quotidien")  # a page of theirs, for a valid token
    assert learner.post("/staff/hidden/s1-initiales").status_code == 403
    staff = instructor(platform)
    staff.get("/staff/")
    forged = staff.post("/staff/hidden/s1-initiales", xsrf=False)
    assert forged.status_code in (302, 403) or "oauth2/authorize" in forged.url
    assert not lab.store(platform).hidden_released("s1-initiales", run=lab.current_run(platform))
    staff.get("/staff/?week=1")
    asked = staff.post("/staff/hidden/s1-initiales", {"week": "1"})  # it cannot be undone
    assert asked.status_code == 200 and "ne peut pas être annulé" in html.unescape(asked.text)
    assert not lab.store(platform).hidden_released("s1-initiales", run=lab.current_run(platform))
    assert "href='/services/course/staff/?week=1'" in asked.text  # « Annuler » keeps the week
    done = staff.post("/staff/hidden/s1-initiales", {"week": "1", "confirm": "yes"})
    assert done.status_code == 200 and done.url.endswith("/services/course/staff/?week=1")
    assert lab.store(platform).hidden_released("s1-initiales", run=lab.current_run(platform))


def test_the_dashboard_shows_the_class_per_exercise_with_plots_and_a_week_filter(platform):
    submit_right(platform, platform.signed_up("vera"), ["s1-bonjour", "s1-calculs"])
    staff = instructor(platform)
    page = staff.text("/staff/")
    assert "Tableau de bord du cours" in page and "Personnes à accompagner" in page
    section = page[page.index("id='exercise-s1-bonjour'"):]
    section = section[:section.index("</section>")]
    counts = re.search(r"(\d+) ont commencé, (\d+) ont rendu \(dont (\d+) en retard[^)]*\), "
                       r"(\d+) ont tout réussi", section)
    assert counts and int(counts.group(4)) >= 1 and "<svg" in section
    # week 1 is due in the demo's run: what was handed in now is late, and counted so
    assert int(counts.group(3)) >= 1 and "Session « demo »" in page
    assert "id='exercise-s4-balise'" in page
    week = staff.text("/staff/?week=1")
    assert "id='exercise-s1-bonjour'" in week and "id='exercise-s4-balise'" not in week
    assert "copies qui attendent des évaluations" in week  # the week's peer exercise


def test_the_export_from_the_dashboard_and_from_decoder_export_agree(platform):
    learner = platform.signed_up("wes")
    submit_right(platform, learner, ["s1-bonjour"])
    staff = instructor(platform)
    response = staff.get("/staff/export.csv?week=1")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    mine = {r["assignment"]: r for r in rows if r["student_id"] == learner.name}
    assert set(mine) == set(WEEK_1) | {"s1-algorithme-du-quotidien"}
    assert mine["s1-bonjour"]["score"] == "3" and mine["s1-bonjour"]["week_grade"] == "17.5"
    assert "formatrice" not in {r["student_id"] for r in rows}
    command = platform.decoder("export", "--week", "1")
    assert command.returncode == 0, command.stderr
    from_command = {(r["student_id"], r["assignment"]): r["score"]
                    for r in csv.DictReader(io.StringIO(command.stdout))}
    assert from_command[(learner.name, "s1-bonjour")] == "3"
    assert set(from_command) >= {(r["student_id"], r["assignment"]) for r in rows}
    # for a spreadsheet in French: a byte-order mark, semicolons, decimal commas
    sheet = staff.get("/staff/export.csv?week=1&format=tableur")
    assert sheet.content.startswith(b"\xef\xbb\xbf") and "tableur" in sheet.headers[
        "Content-Disposition"]
    sheet_rows = list(csv.DictReader(io.StringIO(sheet.content.decode("utf-8-sig")),
                                     delimiter=";"))
    assert {r["student_id"]: r for r in sheet_rows if r["assignment"] == "s1-bonjour"}[
        learner.name]["week_grade"] == "17,5"
    assert platform.decoder("export", "--week", "1", "--spreadsheet").stdout.startswith(
        "\ufeffassignment;duedate")


def test_a_learner_who_passes_week_1_gets_a_signed_badge_anyone_can_check(platform, tmp_path):
    learner = platform.signed_up("xena")
    submit_right(platform, learner, WEEK_1)  # 70 / 100: autograded only, peer to come
    pages = Pages(learner)
    page = pages.text("/course")
    link = re.search(r"/services/course/badges/([0-9a-f]{32})'>Semaine 1 réussie", pages.last)
    assert link and "Mes badges" in page
    badge = link.group(1)
    assert "Décerné le" in pages.text(f"/badges/{badge}")
    png = pages.get(f"/badges/{badge}.png").content
    token = pages.get(f"/badges/{badge}.jwt").text
    (tmp_path / "badge.png").write_bytes(png)
    (tmp_path / "badge.jwt").write_text(token)
    checked = platform.decoder("verify-badge", str(tmp_path / "badge.png"))
    assert checked.returncode == 0, checked.stderr
    assert "valid:" in checked.stdout and "Semaine 1 réussie" in checked.stdout
    # anyone, signed in or not, can check it: by its link, or by pasting it
    anyone = localhost.session()  # signed in or not: a stranger's browser
    public = anyone.get(f"{platform.url}/services/course/badges/{badge}/verify", timeout=30)
    public.encoding = "utf-8"
    assert "Badge authentique" in public.text and learner.name not in public.text
    # a changed badge fails, everywhere
    forged = with_claims_changed(token, lambda vc: vc.update(name="Cours entier réussi"))
    (tmp_path / "forged.jwt").write_text(forged)
    refused = platform.decoder("verify-badge", str(tmp_path / "forged.jwt"))
    assert refused.returncode == 1 and "INVALID" in refused.stdout and "signature" in refused.stdout
    pasted = anyone.post(origins.service_url(platform.url, protocol.SERVICE) + "/badges/verify",
                           data={"token": forged}, timeout=30)
    pasted.encoding = "utf-8"
    said = html.unescape(pasted.text)
    assert "n'est pas authentique (la signature ne correspond pas" in said  # all of it French
    assert other_learner_cannot_open(platform, badge)
    # the badge names the learner by a random identifier: not one derived from the username
    # (anyone who knows a username could have linked a badge to it), the same in each badge
    vc = badges.verify(token, badges.load_or_create_key(
        platform.settings.path("secrets", "badge-key.pem")).public_key())
    subject = vc["credentialSubject"]["id"]
    derived = uuid.uuid5(uuid.NAMESPACE_URL, f"{vc['issuer']['id']}/{learner.name}")
    assert subject.startswith("urn:uuid:") and str(derived) not in subject
    assert uuid.UUID(subject.removeprefix("urn:uuid:")).version == 4
    # the test platform has no public address: a demonstration badge, and it says so; its
    # week-1 text does not claim the peer-reviewed exercise (no peer grade yet)
    assert vc["name"].endswith("(démonstration)") and "ne certifie rien" in vc["description"]
    assert "évalué par les pairs" not in vc["description"]
    assert vc["credentialSubject"]["achievement"]["inLanguage"] == "fr"


def with_claims_changed(token: str, change) -> str:
    """The same signature over a payload whose credential says something else."""
    head, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    change(claims["vc"] if "vc" in claims else claims)
    changed = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return ".".join([head, changed, signature])


def other_learner_cannot_open(platform, badge: str) -> bool:
    other = Pages(platform.signed_up("yoan"))
    return other.get(f"/badges/{badge}").status_code == 404 and \
        other.get(f"/badges/{badge}.jwt").status_code == 404


def test_shared_self_check_answers_reach_the_instructors_as_counts_without_names(platform):
    def share(learner, question: str, body) -> requests.Response:
        return requests.post(
            protocol.service_url(platform.settings.course_service_url)
            + protocol.API + f"self-checks/{question}", json=body,
            headers={"Authorization": f"token {api_token(learner)}"}, timeout=60)

    awa, ben = platform.signed_up("awa"), platform.signed_up("ben")
    assert share(awa, "s1-lecon-variable", {"tries": 1, "right": False}).status_code == 200
    assert share(awa, "s1-lecon-variable", {"tries": 2, "right": True}).status_code == 200
    assert share(ben, "s1-lecon-variable", {"tries": 2, "right": False}).status_code == 200
    refused = share(ben, "s1-lecon-variable", {"tries": 1, "right": True, "nom": "ben"})
    assert refused.status_code == 400 and "mal formée" in refused.json()["message"]
    assert share(ben, "Pas Une Question", {"tries": 1, "right": True}).status_code == 404
    staff = instructor(platform)
    assert "Questions des leçons" in staff.text("/staff/")
    page = staff.text("/staff/self-checks")
    row = re.search(r"<tr><td><code>s1-lecon-variable</code></td>((?:<td>\d+</td>){5})</tr>",
                    page)
    assert row and re.findall(r"\d+", row.group(1)) == ["2", "0", "1", "1", "0"]
    assert awa.name not in page and ben.name not in page
    assert Pages(awa).get("/staff/self-checks").status_code == 403


def test_hints_opened_are_counted_for_open_exercises_and_written_in_the_export(platform):
    def opened(learner, assignment: str, body) -> requests.Response:
        return requests.post(
            protocol.service_url(platform.settings.course_service_url)
            + protocol.route("hints", assignment=assignment), json=body,
            headers={"Authorization": f"token {api_token(learner)}"}, timeout=60)

    cleo = platform.signed_up("cleo")
    submit_right(platform, cleo, ["s1-bonjour"])  # (the export lists who worked in the run)
    assert opened(cleo, "s1-calculs", {"opened": 2}).status_code == 200
    assert opened(cleo, "s1-calculs", {"opened": 1}).status_code == 200  # never goes down
    assert opened(cleo, "s1-calculs", {"opened": 9}).status_code == 400
    assert opened(cleo, "pas-un-exercice", {"opened": 1}).status_code == 404
    assert opened(cleo, "s4-balise", {"opened": 1}).status_code == 403  # week 4 not open yet
    rows = list(csv.DictReader(io.StringIO(instructor(platform).get(
        "/staff/export.csv?week=1").text)))
    mine = {r["assignment"]: r["hints_opened"] for r in rows if r["student_id"] == cleo.name}
    assert mine["s1-calculs"] == "2" and mine["s1-bonjour"] == "0"


def test_hints_cost_what_course_toml_says_and_only_those_opened_before_handing_in(platform):
    """With [hints] points_per_hint = 0.5, two hints opened before a right answer take a point
    off it: in the learner's list and feedback, in the export; a hint opened afterwards does
    not (the submission keeps its count). Free again as soon as the file says 0."""
    course_file = Path(platform.settings.course_file)
    text = course_file.read_text(encoding="utf-8")
    assert "points_per_hint = 0\n" in text
    dina = platform.signed_up("dina")
    token = api_token(dina)
    service = protocol.service_url(platform.settings.course_service_url)
    answer = requests.post(service + protocol.route("hints", assignment="s1-calculs"),
                           json={"opened": 2}, headers={"Authorization": f"token {token}"},
                           timeout=60)
    assert answer.status_code == 200, answer.text
    try:
        course_file.write_text(text.replace("points_per_hint = 0\n", "points_per_hint = 0.5\n"),
                               encoding="utf-8")
        submission = submit_right(platform, dina, ["s1-calculs"])["s1-calculs"]
        requests.post(service + protocol.route("hints", assignment="s1-calculs"),
                      json={"opened": 4}, headers={"Authorization": f"token {token}"},
                      timeout=60).raise_for_status()
        mine = next(item for item in requests.get(
            service + protocol.route("my_submissions"),
            headers={"Authorization": f"token {token}"}, timeout=30).json()
            if item["id"] == submission)
        most = mine["max_score"]
        assert (mine["hints_opened"], mine["hints_penalty"], mine["score"]) == \
            (2, 1.0, most - 1)
        page = Pages(dina).text(f"/feedback/{submission}")
        assert "Indices ouverts avant ce rendu : 2, soit 1 point de moins" in page
        assert f"Note : <strong>{most - 1:g} / {most:g}</strong>" in page
        rows = list(csv.DictReader(io.StringIO(instructor(platform).get(
            "/staff/export.csv?week=1").text)))
        row = next(r for r in rows if r["student_id"] == dina.name
                   and r["assignment"] == "s1-calculs")
        assert (row["raw_score"], row["hints_opened"], row["hints_penalty"], row["score"]) == \
            (f"{most:g}", "4", "1", f"{most - 1:g}")
    finally:
        course_file.write_text(text, encoding="utf-8")
