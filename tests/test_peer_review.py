"""Peer review with the real hub, service, engine and several learners, through a whole cycle:
submit, ask for work, review, give to get, read, rate and flag, calibration against the
autograder, staff actions; and the identity rules (nobody reads, acts or reviews as another,
nobody learns who reviewed whom). Learners use the pages as a browser does (hub login, the
service's OAuth, forms with their xsrf token) and submit with a token of their own."""

from __future__ import annotations

import html
import re
import time
from dataclasses import dataclass, field

import nbformat
import pytest
import requests

from decoder import protocol
from decoder.peer.store import PeerStore
from tests import lab
from tests import pages as learner_pages
from tests.hubclient import Learner, demo_account
from tests.pages import COMMENT, REVIEW_LINK, Pages, api_token

pytestmark = pytest.mark.docker

PEER = "s1-algorithme-du-quotidien"
RUBRIC = ["Précision des étapes", "Une condition", "Le programme fonctionne"]
WRONG = 'etapes = "Faire du café"\nprint(etapes)\n'  # no list, no condition: both tests fail


@dataclass
class Cycle:
    platform: object
    people: dict[str, Learner]
    pages: dict[str, Pages]
    tokens: dict[str, str]
    submissions: dict[str, int] = field(default_factory=dict)

    def api(self, who: str, method: str, route: str, payload=None, **params):
        response = requests.request(
            method, protocol.service_url(self.platform.settings.course_service_url)
            + protocol.route(route, **params), json=payload, timeout=60,
            headers={"Authorization": f"token {self.tokens[who]}"})
        return response.status_code, response.json()

    def ask(self, who: str) -> int:
        return learner_pages.ask(self.pages[who], PEER)

    def give(self, who: str, review: int, points: list[int], comment: str = COMMENT,
             cells: dict | None = None):
        return learner_pages.give(self.pages[who], PEER, review, points, comment, cells)


def notebook(platform, right: bool) -> bytes:
    master = nbformat.read(platform.settings.masters_dir / PEER / f"{PEER}.ipynb", 4)
    if not right:
        for cell in master.cells:
            if cell.metadata.get("nbgrader", {}).get("grade_id") == "programme":
                cell.source = WRONG
    return nbformat.writes(master).encode()


@pytest.fixture(scope="module")
def cycle(platform) -> Cycle:
    people = {name: platform.signed_up(name) for name in ("pia", "quentin", "rose", "sacha")}
    state = Cycle(platform, people, {n: Pages(p) for n, p in people.items()},
                  {n: api_token(p) for n, p in people.items()})
    for name in people:  # oldest first: pia
        status, answer = state.api(name, "POST", "submit", protocol.encode_files(
            {f"{PEER}.ipynb": notebook(platform, right=name != "sacha")}), assignment=PEER)
        assert status == 201, answer
        state.submissions[name] = answer["id"]
        time.sleep(0.05)
    store = lab.store(platform)
    deadline = time.monotonic() + 120
    while any(store.submission(i)["state"] not in ("done", "failed")
              for i in state.submissions.values()):
        assert time.monotonic() < deadline, "not graded in time"
        time.sleep(0.5)
    return state


def review_row(platform, review: int) -> dict:
    return PeerStore(lab.store(platform).engine).review(review)


def of_sacha(cycle: Cycle, review: int) -> bool:
    return review_row(cycle.platform, review)["author"] == cycle.people["sacha"].name


def truthful(cycle: Cycle, review: int) -> list[int]:
    """Best levels, except where the autograder found the program failing (sacha's: 0)."""
    return [2, 0, 0] if of_sacha(cycle, review) else [2, 2, 2]


def careless(cycle: Cycle, review: int) -> list[int]:
    """The opposite of the autograder on the criteria it checks."""
    return [2, 2, 2] if of_sacha(cycle, review) else [2, 0, 0]


def test_a_reviewer_gets_someone_elses_oldest_work_anonymously_and_keeps_it(cycle):
    review = cycle.ask("quentin")
    row = review_row(cycle.platform, review)
    assert row["author"] != cycle.people["quentin"].name and row["counted"]
    assert cycle.ask("quentin") == review  # the same hold, not a second one
    page = cycle.pages["quentin"].text(f"/peer/review/{review}")
    assert all(criterion in page for criterion in RUBRIC)
    assert "Remplir la bouilloire" in page  # the author's program, to read and comment
    assert "correcteur automatique" in page and "test-etapes" in page
    assert row["author"] not in page
    # what the copy showed when the grading sandbox ran it, to read without running it
    assert "Affiché par la copie, exécutée par le correcteur automatique" in page


def test_nobody_reads_gives_or_rates_a_review_that_is_not_theirs(cycle):
    review = cycle.ask("quentin")
    rose = cycle.pages["rose"]
    assert rose.get(f"/peer/review/{review}").status_code == 404
    rose.get(f"/peer/{PEER}")  # a page of her own, for a valid xsrf token
    assert rose.post(f"/peer/review/{review}/room").status_code == 404  # not hers to run
    rose.get(f"/peer/{PEER}")
    refused = rose.post(f"/peer/review/{review}", {"criterion-0": "0", "criterion-1": "0",
                                                   "criterion-2": "0", "comment": COMMENT})
    assert refused.status_code == 404
    assert rose.get(f"/staff/peer/{PEER}").status_code == 403
    # a form posted without the hub's xsrf token is not taken as hers (cross-site request)
    forged = cycle.pages["quentin"].post(f"/peer/review/{review}", {
        "criterion-0": "0", "criterion-1": "0", "criterion-2": "0", "comment": COMMENT},
        xsrf=False)
    assert forged.status_code in (302, 403) or "oauth2/authorize" in forged.url
    assert review_row(cycle.platform, review)["done_at"] is None


def test_a_token_a_kernel_can_read_acts_on_no_page(cycle):
    """The reviewer's own token (what code in their server holds: a token with the course
    service's scope) posts a full-marks review with no cookie and no xsrf field: refused, as
    every page refuses a token; the exchange still takes it."""
    review = cycle.ask("quentin")
    service = lab.service_address(cycle.platform)  # as a kernel reaches it
    posted = requests.post(service + f"peer/review/{review}", timeout=60,
                           headers={"Authorization": f"token {cycle.tokens['quentin']}"},
                           data={"criterion-0": "2", "criterion-1": "2", "criterion-2": "2",
                                 "comment": COMMENT})
    assert posted.status_code == 403
    assert "s'ouvre dans votre navigateur" in html.unescape(posted.text)
    by_url = requests.get(service + f"peer/review/{review}?token={cycle.tokens['quentin']}",
                          timeout=60)
    assert by_url.status_code == 403
    assert review_row(cycle.platform, review)["done_at"] is None
    assert cycle.api("quentin", "GET", "my_submissions")[0] == 200  # the exchange: yes


def test_a_review_needs_the_whole_rubric_and_a_real_comment_then_is_given_once(cycle):
    review = cycle.ask("quentin")
    short = cycle.give("quentin", review, truthful(cycle, review), comment="Bien.")
    assert short.status_code == 400 and "au moins 40" in short.text
    incomplete = cycle.give("quentin", review, [2, 2])
    assert incomplete.status_code == 400 and "chaque critère" in incomplete.text
    given = cycle.give("quentin", review, truthful(cycle, review),
                       cells={"1": "**Bonne** idée <script>alert(1)</script>"})
    assert given.status_code == 200 and "Évaluation envoyée" in given.text
    assert f"/peer/{PEER}/ask" in given.text and "Évaluer une autre copie" in given.text
    again = cycle.give("quentin", review, [0, 0, 0])
    assert again.status_code == 409
    assert review_row(cycle.platform, review)["points"] == truthful(cycle, review)


def everyone_gives_what_they_owe(cycle, careless_one: str = "rose") -> None:
    for name in cycle.people:
        for _ in range(10):
            page = cycle.pages[name].text(f"/peer/{PEER}/received")
            if "Donnez encore" not in page:
                break
            review = cycle.ask(name)
            judge = careless if name == careless_one else truthful
            assert cycle.give(name, review, judge(cycle, review)).status_code == 200


def test_give_to_get_then_the_author_reads_rates_and_flags(cycle):
    owed = cycle.pages["pia"].text(f"/peer/{PEER}/received")
    assert "Donnez encore" in owed and "Évaluation 1" not in owed
    everyone_gives_what_they_owe(cycle)
    page = cycle.pages["pia"].text(f"/peer/{PEER}/received")
    assert "Note des pairs : 6 / 6" in page and "Note de la semaine" in page
    assert "Évaluation 1" in page and COMMENT in page
    assert not any(cycle.people[name].name in page for name in ("quentin", "rose", "sacha"))
    pia = cycle.pages["pia"]
    reviews = sorted(set(int(n) for n in re.findall(r"/peer/review/(\d+)/rate", pia.last)))
    assert len(reviews) >= 2
    # only the author rates or flags a review of her work (its reviewer and the others: 404)
    for other in ("quentin", "rose", "sacha"):
        cycle.pages[other].get(f"/peer/{PEER}")  # a page of their own, for the xsrf token
        meddling = cycle.pages[other].post(f"/peer/review/{reviews[0]}/rate",
                                           {"flag": "yes", "reason": "Pour lui nuire"})
        assert meddling.status_code == 404, other
    rated = pia.post(f"/peer/review/{reviews[0]}/rate", {"helpful": "yes"})
    assert rated.status_code == 200 and "Votre avis est enregistré" in rated.text  # said back
    no_reason = pia.post(f"/peer/review/{reviews[1]}/rate", {"flag": "yes", "reason": " "})
    assert no_reason.status_code == 400
    pia.get(f"/peer/{PEER}/received")
    flagged = pia.post(f"/peer/review/{reviews[1]}/rate", {"flag": "yes", "reason": "Hors sujet"})
    assert flagged.status_code == 200
    assert "Vous avez signalé cette évaluation : « Hors sujet »" in html.unescape(flagged.text)


def test_a_careless_reviewer_is_told_their_agreement(cycle):
    rose = cycle.pages["rose"].text(f"/peer/{PEER}/received")
    agreement = re.search(r"s'accordent à (\d+) %", rose)
    assert agreement and int(agreement.group(1)) < 50
    quentin = cycle.pages["quentin"].text(f"/peer/{PEER}/received")
    assert "s'accordent à 100 %" in quentin


def test_instructors_see_waiting_flagged_and_calibration_and_every_action_is_journaled(cycle):
    platform = cycle.platform
    staff_member = demo_account(platform.settings, "formatrice")
    staff = Pages(staff_member)
    page = staff.text(f"/staff/peer/{PEER}")
    assert all(learner.name in page for learner in cycle.people.values())  # staff see names
    assert "Hors sujet" in page  # the flag, with its reason
    calibration = page[page.index("id='calibration'"):]
    start = calibration.index(cycle.people["rose"].name)
    rose = calibration[start:calibration.index("</tr>", start)]
    assert "éloigné·e" in rose
    flagged = int(re.search(r"id='flagged-(\d+)'", staff.last).group(1))
    before = cycle.pages["pia"].text(f"/peer/{PEER}/received").count("<section class='review'")
    assert staff.post(f"/staff/peer/review/{flagged}/hide", {"reason": "signalée, vérifiée"}
                      ).status_code == 200
    sacha = cycle.submissions["sacha"]
    staff.get(f"/staff/peer/{PEER}")
    assert staff.post(f"/staff/peer/submission/{sacha}/review", {
        "criterion-0": "1", "criterion-1": "0", "criterion-2": "0",
        "comment": "Revoyez la liste."}).status_code == 200
    staff.get(f"/staff/peer/{PEER}")
    assert staff.post(f"/staff/peer/submission/{cycle.submissions['rose']}/withdraw",
                      {"reason": "copie en double"}).status_code == 200
    journal = staff.text(f"/staff/peer/{PEER}")
    journal = journal[journal.index("id='journal'"):]
    for action in ("hide", "staff_review", "withdraw"):
        assert action in journal
    assert journal.count("formatrice") >= 3
    # the author no longer reads the hidden review; sacha's grade is the staff's
    pia = cycle.pages["pia"].text(f"/peer/{PEER}/received")
    assert pia.count("<section class='review'") == before - 1
    assert f"/peer/review/{flagged}/rate" not in pia
    sacha_page = cycle.pages["sacha"].text(f"/peer/{PEER}/received")
    assert "Note des pairs : 1 / 6" in sacha_page and "par l'équipe pédagogique" in sacha_page
    # withdrawn work is not given to review any more
    late = platform.signed_up("tom")
    tom = Pages(late)
    given = set()
    for _ in range(4):
        tom.get(f"/peer/{PEER}")
        answer = tom.post(f"/peer/{PEER}/ask")
        if answer.status_code != 200:
            break
        review = int(REVIEW_LINK.search(answer.url).group(1))
        given.add(review_row(platform, review)["submission_id"])
        Cycle(platform, {"tom": late}, {"tom": tom}, {}).give("tom", review, [1, 1, 1])
    assert given and cycle.submissions["rose"] not in given


def test_a_peer_exercise_is_fetched_and_submitted_through_the_exchange(platform, learner_a):
    container = platform.container(learner_a)
    lab.nbgrader(container, "fetch_assignment", PEER)
    path = f"/home/jovyan/exercices/{PEER}/{PEER}.ipynb"
    student = nbformat.reads(lab.read_file(container, path), 4)
    master = nbformat.read(platform.settings.masters_dir / PEER / f"{PEER}.ipynb", 4)
    lab.put_file(container, path, nbformat.writes(lab.solved(student, master)).encode())
    lab.nbgrader(container, "submit", PEER)
    graded = lab.wait_graded(container, PEER)[-1]
    assert graded["state"] == "done" and graded["max_score"] == 6.0
    status, feedback = lab.api(container, "GET", f"submissions/{graded['id']}/feedback")
    assert status == 200
    tests = {t["grade_id"]: t for t in feedback["report"]["tests"]}
    assert not tests["test-etapes"]["message"] and not tests["test-condition"]["message"]

