"""LTI 1.3 login: the hub's configuration with the operator's LTI block, and who teaches.

No LMS runs here: the launch itself (an LMS's signed OpenID Connect request) is
jupyterhub-ltiauthenticator's, tested upstream; what is ours is tested: the settings file turns
it on, its block reaches the authenticator, and the LMS's roles place people in our groups."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from decoder.hub.lti import ROLES_CLAIM, DecoderLTI13Authenticator, groups_of
from decoder.settings import PROJECT_ROOT, PlatformSettings

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
LTI_BLOCK = """
c.PlatformSettings.login = "lti13"
c.PlatformSettings.instructors = ["chef@example.org"]
c.LTI13Authenticator.issuer = "https://moodle.example.org"
c.LTI13Authenticator.client_id = ["AbCdEf123"]
c.LTI13Authenticator.authorize_url = "https://moodle.example.org/mod/lti/auth.php"
c.LTI13Authenticator.jwks_endpoint = "https://moodle.example.org/mod/lti/certs.php"
"""

LOAD = """
import json, asyncio
from jupyterhub.app import JupyterHub
from ltiauthenticator.lti13.auth import LTI13Authenticator
app = JupyterHub()
app.load_config_file("jupyterhub_config.py")
cls = app.authenticator_class
found = {"class": cls.__module__ + "." + cls.__name__, "load_groups": app.load_groups,
         "manage_groups": cls.class_traits()["manage_groups"].default()}
if issubclass(cls, LTI13Authenticator):
    auth = cls(config=app.config)
    launch = {"sub": "4f2a", "given_name": "Lea",
              "https://purl.imsglobal.org/spec/lti/claim/roles": [
                  "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]}
    found.update({
        "issuer": auth.issuer, "client_id": sorted(auth.client_id),
        "authorize_url": auth.authorize_url, "jwks_endpoint": auth.jwks_endpoint,
        "manage_groups": auth.manage_groups, "handlers": [h[0] for h in auth.get_handlers(app)],
        "launch": asyncio.run(auth.authenticate(None, launch))})
print(json.dumps(found))
"""


def hub_config(tmp_path: Path, block: str) -> dict:
    """jupyterhub_config.py loaded by JupyterHub itself, in a process of its own (the hub's
    settings are loaded once per process), with ``block`` as the operator's settings file."""
    config = tmp_path / "decoder_config.py"
    config.write_text(f"c.PlatformSettings.data_dir = {str(tmp_path / 'data')!r}\n" + block)
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "DECODER_CONFIG": str(config)}
    result = subprocess.run([sys.executable, "-c", LOAD], cwd=PROJECT_ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_lti_block_turns_lti_login_on_and_reaches_the_authenticator(tmp_path):
    loaded = hub_config(tmp_path, LTI_BLOCK)
    assert loaded["class"] == "decoder.hub.lti.DecoderLTI13Authenticator"
    assert loaded["issuer"] == "https://moodle.example.org"
    assert loaded["client_id"] == ["AbCdEf123"]
    assert loaded["jwks_endpoint"].endswith("/certs.php")
    assert loaded["authorize_url"].endswith("/auth.php")
    assert loaded["manage_groups"] is True and loaded["load_groups"] == {}
    assert {"/lti13/oauth_login", "/lti13/oauth_callback", "/lti13/config"} <= {
        "/" + h.strip("/") for h in loaded["handlers"]}
    assert loaded["launch"]["name"] == "4f2a" and loaded["launch"]["groups"] == ["learners"]


def test_native_login_stays_the_default(tmp_path):
    loaded = hub_config(tmp_path, "")
    assert loaded["class"] == "decoder.hub.authenticator.DecoderAuthenticator"
    assert loaded["manage_groups"] is False
    assert "formatrice" in loaded["load_groups"]["instructors"]["users"]


def test_a_wrong_login_setting_is_refused_with_its_choices():
    with pytest.raises(Exception, match="native, lti13"):
        PlatformSettings(environ={"DECODER_LOGIN": "ldap"})


@pytest.mark.parametrize(("roles", "group"), [
    ([LIS + "membership#Instructor"], "instructors"),
    ([LIS + "membership/Instructor#TeachingAssistant"], "instructors"),
    ([LIS + "institution/person#Administrator", LIS + "membership#Learner"], "instructors"),
    ([LIS + "membership#Learner"], "learners"),
    ([LIS + "membership#Mentor"], "learners"),
    ([LIS + "membership#InstructorX"], "learners"),  # not a sub-role: a different name
    ("not a list", "learners"),
    ([], "learners"),
])
def test_the_lms_roles_say_who_teaches(roles, group):
    assert groups_of({ROLES_CLAIM: roles}, "someone") == [group]


def test_a_named_instructor_teaches_whatever_the_lms_says():
    assert groups_of({ROLES_CLAIM: []}, "chef@example.org", {"chef@example.org"}) == \
        ["instructors"]


def test_a_launch_is_named_by_its_subject_and_grouped():
    auth = DecoderLTI13Authenticator()
    model = asyncio.run(auth.authenticate(None, {
        "sub": "9b1c", "email": "lea@example.org",
        ROLES_CLAIM: [LIS + "membership#Instructor"]}))
    assert model["name"] == "9b1c" and model["groups"] == ["instructors"]
