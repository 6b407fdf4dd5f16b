"""The platform end to end: real hub, real proxy, real engine, real containers and kernels."""

from __future__ import annotations

import shlex
from datetime import UTC, datetime

import docker
import pytest
import requests

from decoder.course import open_lessons
from decoder.hub import homes
from decoder.ops.hubprocess import hub_pid
from tests import lab
from tests.hubclient import demo_account

pytestmark = pytest.mark.docker


def test_signup_login_and_run_code_in_a_real_kernel(platform):
    learner = platform.learner("diane")
    page = learner.signup()
    assert "Votre compte est prêt" in page  # open sign-up, in French
    learner.login()
    learner.start_server()
    learner.open_lab()
    assert learner.run_code("1 + 1").strip() == "2"


def test_wrong_password_is_refused_in_french(platform):
    learner = platform.learner("emile")
    learner.signup()
    learner.password = "pas-le-bon-mot-de-passe"
    session = requests.Session()
    session.get(f"{platform.url}/hub/login", timeout=30)
    xsrf = session.cookies.get("_xsrf", path="/hub/")
    page = session.post(f"{platform.url}/hub/login",
                        data={"username": learner.name, "password": "faux-faux-faux",
                              "_xsrf": xsrf}, timeout=30)
    page.encoding = "utf-8"
    assert "/hub/login" in page.url
    assert "Nom d'utilisateur ou mot de passe incorrect" in page.text


def test_home_and_login_pages_speak_french(platform):
    page = utf8(requests.get(f"{platform.url}/hub/login", timeout=30))
    assert "Se connecter" in page and "Créez-en un" in page
    signup = utf8(requests.get(f"{platform.url}/hub/signup", timeout=30))
    assert "Créer mon compte" in signup
    missing = requests.get(f"{platform.url}/hub/nulle-part", timeout=30)
    assert missing.status_code == 404
    assert "Page introuvable" in utf8(missing) and "moons" not in utf8(missing)


def test_home_survives_container_removal_and_hub_restart(platform):
    learner = platform.signed_up("fanny")
    learner.start_server()
    learner.open_lab()
    saved = learner.server_api("PUT", "/contents/travail.txt",
                               json={"type": "file", "format": "text", "content": "mon travail"})
    assert saved.status_code in (200, 201)

    # the container dies: the home volume keeps the file
    platform.container(learner).remove(force=True)
    learner.stop_server()
    learner.start_server()
    learner.open_lab()
    assert learner.server_api("GET", "/contents/travail.txt").json()["content"] == "mon travail"

    # the hub restarts: the learner is still logged in, the server still runs, the file is there
    container_id = platform.container(learner).id
    old_pid = hub_pid(platform.settings)
    platform.restart_hub()
    assert hub_pid(platform.settings) != old_pid
    assert learner.api("GET", "/user").json()["name"] == learner.name
    assert platform.container(learner).id == container_id
    assert learner.server_api("GET", "/contents/travail.txt").json()["content"] == "mon travail"
    assert learner.run_code("print('toujours là')").strip() == "toujours là"


def test_container_environment_holds_only_its_own_token(platform, learner_a):
    env = dict(
        item.split("=", 1) for item in platform.container(learner_a).attrs["Config"]["Env"]
    )
    secrets_dir = platform.settings.path("secrets")
    hub_secrets = [p.read_text().strip() for p in secrets_dir.iterdir() if p.is_file()]
    hub_secrets = [s for s in hub_secrets if len(s) >= 16]
    assert hub_secrets, "the hub's secrets should exist to compare against"
    for value in env.values():
        assert not any(secret in value for secret in hub_secrets)
    assert env["JUPYTERHUB_API_TOKEN"] and env["JUPYTERHUB_DISABLE_USER_CONFIG"] == "1"
    secret_like = {k for k in env if any(w in k for w in ("TOKEN", "SECRET", "PASSWORD", "KEY"))}
    assert secret_like == {"JUPYTERHUB_API_TOKEN", "JPY_API_TOKEN"}
    assert env["JUPYTERHUB_API_TOKEN"] == env["JPY_API_TOKEN"]


def test_a_config_file_in_the_learners_home_changes_nothing(platform):
    """Defence: disable_user_config. Measured, not read back: a learner's ~/.jupyter and
    home-folder config files (their server would read both) asking for a header of their own
    leave the restarted server without it."""
    learner = platform.signed_up("hugo")
    learner.start_server()
    planted = ("c.ServerApp.tornado_settings = {'headers': {'X-Planted': 'oui'}}\n"
               "c.ServerApp.disable_check_xsrf = True\n")
    command = ("mkdir -p ~/.jupyter && cat > ~/.jupyter/jupyter_server_config.py && "
               "cp ~/.jupyter/jupyter_server_config.py ~/jupyter_server_config.py")
    written = platform.container(learner).exec_run(
        ["sh", "-c", f"printf %s {shlex.quote(planted)} | sh -c {shlex.quote(command)}"])
    assert written.exit_code == 0, written.output
    learner.stop_server()
    learner.start_server()
    learner.open_lab()
    answer = learner.server_api("GET", "/status")
    assert answer.status_code == 200
    assert "X-Planted" not in answer.headers


def test_image_not_on_the_allow_list_is_refused(platform):
    learner = platform.signed_up("gaspard")
    response = learner.api("POST", f"/users/{learner.name}/server",
                           json={"image": "decoder/base:anything"})
    assert response.status_code == 400
    assert not learner.api("GET", f"/users/{learner.name}").json()["servers"]


def test_instructor_group_roles_and_idle_culler(platform):
    token = platform.settings.path("secrets", "cli_token").read_text().strip()
    headers = {"Authorization": f"token {token}"}
    group = requests.get(f"{platform.url}/hub/api/groups/instructors", headers=headers,
                         timeout=30).json()
    assert group["roles"] == ["instructor"]
    assert "formatrice" in group["users"]
    services = requests.get(f"{platform.url}/hub/api/services", headers=headers, timeout=30).json()
    assert "idle-culler" in services
    assert services["idle-culler"]["pid"]  # managed by the hub, running
    assert services["class-sessions"]["pid"]  # starts class sessions' servers ahead


def test_learner_cannot_use_the_hub_api_beyond_itself(platform, learner_a):
    assert learner_a.api("GET", "/users").status_code == 403
    other = learner_a.api("POST", "/users/formatrice/server")
    assert other.status_code in (403, 404)


def test_the_home_is_kept_when_the_server_is_stopped(platform):
    learner = platform.signed_up("hugo")
    learner.start_server()
    learner.open_lab()
    saved = learner.server_api("PUT", "/contents/notes.txt",
                               json={"type": "file", "format": "text", "content": "à garder"})
    assert saved.status_code == 201, saved.text
    learner.stop_server()
    with pytest.raises(docker.errors.NotFound):
        platform.container(learner)  # the container is gone (remove=True)...
    home = homes.home_path(platform.settings.homes_root, learner.name)
    assert (home / "notes.txt").read_text() == "à garder"  # ...the home is not
    learner.start_server()
    learner.open_lab()
    assert learner.server_api("GET", "/contents/notes.txt").json()["content"] == "à garder"


def utf8(response: requests.Response) -> str:
    response.encoding = "utf-8"
    return response.text


def test_demo_accounts_log_in_and_instructor_sees_the_class(platform):
    instructor = demo_account(platform.settings, "formatrice")
    names = {user["name"] for user in instructor.api("GET", "/users").json()}
    assert {"alice", "bruno", "chloe"} <= names
    alice = demo_account(platform.settings, "alice")
    assert alice.api("GET", "/users").status_code == 403


def test_learner_server_has_the_open_weeks_lessons_and_the_course_checks(platform, learner_a):
    learner_a.open_lab()
    listing = learner_a.server_api("GET", "/contents/cours").json()
    weeks = sorted(item["name"] for item in listing["content"] if item["type"] == "directory")
    files = {item["name"] for item in listing["content"] if item["type"] == "file"}
    assert {"par-ici.md", "glossaire.md"} <= files  # « Par ici », and the glossary it links
    assert "semaine-1" in weeks
    # what the platform under test serves (its copy of the course, in its run): the demo's
    # run is mid-course, whatever the day, so weeks 1 and 2 are open
    expected = open_lessons(lab.served_course(platform), datetime.now(UTC))
    assert expected == ["semaine-1", "semaine-2"]
    assert weeks == sorted(expected)
    result = learner_a.run_code(
        "from graders.checks import verifier\n"
        "try:\n    verifier(None, 3, quoi='f()')\nexcept AssertionError as e:\n    print(e)")
    assert "print au lieu de return" in result


def test_nbgrader_learner_tools_load_on_first_use(platform, learner_a):
    """nbgrader's assignment list and validate are loaded lazily (decoder_lab), then answer."""
    learner_a.open_lab()
    first = learner_a.http.get(f"{learner_a.server_url}/nbgrader_version?version=0.9.6",
                               allow_redirects=False, timeout=60)
    assert first.status_code in (200, 307)
    answer = learner_a.http.get(f"{learner_a.server_url}/nbgrader_version?version=0.9.6",
                                timeout=60)
    assert answer.json() == {"success": True}
    formgrader = learner_a.http.get(f"{learner_a.server_url}/formgrader", timeout=60)
    assert formgrader.status_code == 404  # instructor tools are not in a learner's server
