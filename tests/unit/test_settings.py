import pytest
from traitlets import Bool, Integer, List
from traitlets.config import Config

from decoder.settings import PlatformSettings, gateway_of, parse_env_value


def test_gateway_is_the_first_address_of_the_subnet():
    assert gateway_of("172.29.0.0/24") == "172.29.0.1"


@pytest.mark.parametrize("subnet", ["172.29.0.1/24", "fd00::/64", "10.0.0.0/30"])
def test_bad_subnets_are_refused_with_the_setting_named(subnet):
    with pytest.raises(ValueError, match="learner_subnet"):
        gateway_of(subnet)


def test_environment_overrides_defaults_but_not_explicit_config(monkeypatch, tmp_path):
    monkeypatch.setenv("DECODER_IDLE_TIMEOUT", "7200")
    monkeypatch.setenv("DECODER_PUBLIC_PORT", "9000")
    monkeypatch.setenv("DECODER_OPEN_SIGNUP", "no")
    settings = PlatformSettings(config=Config({"PlatformSettings": {"public_port": 8100}}))
    assert settings.idle_timeout == 7200
    assert settings.public_port == 8100
    assert settings.open_signup is False


def test_derived_defaults_follow_the_data_dir_and_image(tmp_path):
    settings = PlatformSettings(config=Config({"PlatformSettings": {
        "data_dir": str(tmp_path), "lab_image": "decoder/lab:abc"}}))
    assert settings.db_url == f"sqlite:///{tmp_path}/jupyterhub.sqlite"
    assert settings.allowed_images == ["decoder/lab:abc"]
    assert settings.public_url == "http://localhost:8000"  # each server on a subdomain of it
    assert settings.proxy_address == "http://127.0.0.1:8000"
    shared = PlatformSettings(config=Config({"PlatformSettings": {"per_user_origins": False}}))
    assert shared.public_url == "http://127.0.0.1:8000"


def test_env_values_are_parsed_by_type():
    assert parse_env_value(Bool(), "1") is True
    assert parse_env_value(Integer(), "42") == 42
    assert parse_env_value(List(), "a, b,,c") == ["a", "b", "c"]
    with pytest.raises(ValueError, match="not a boolean"):
        parse_env_value(Bool(), "peut-être")


def test_load_reads_the_operators_file_then_the_environment(tmp_path):
    config = tmp_path / "decoder_config.py"
    config.write_text("c.PlatformSettings.cell_timeout = 15\n"
                      "c.PlatformSettings.instructors = ['marie', 'karim']\n"
                      "c.DecoderSpawner.mem_limit = '2G'\n")
    settings = PlatformSettings.load(environ={
        "DECODER_CONFIG": str(config), "DECODER_CELL_TIMEOUT": "3",
        "DECODER_IDLE_TIMEOUT": "120"})
    assert settings.cell_timeout == 15  # the file wins over the environment
    assert settings.idle_timeout == 120
    assert settings.instructors == ["marie", "karim"]
    assert [settings.source(n) for n in ("cell_timeout", "idle_timeout", "hub_port")] == [
        "file", "environment", "default"]


def test_a_child_given_environment_resolves_every_setting_as_its_parent(tmp_path):
    config = tmp_path / "decoder_config.py"
    config.write_text(f"c.PlatformSettings.data_dir = {str(tmp_path)!r}\n"
                      "c.PlatformSettings.proxy_command = ['/opt/a,b/chp', '--x']\n"
                      "c.PlatformSettings.open_signup = False\n")
    parent = PlatformSettings.load(config)
    child = PlatformSettings.load(environ=parent.environment())  # no file, no other variable
    for name in parent.traits(config=True):
        assert getattr(child, name) == getattr(parent, name), name
    assert child.course_db_url == f"sqlite:///{tmp_path}/course-service/course.sqlite"


@pytest.mark.parametrize(("content", "words"), [
    ("c.PlatformSettings.cell_timeout = 'dix'", "cell_timeout"),
    ("c.PlatformSettings.cell_timeout = ", "decoder_config.py"),
])
def test_a_mistake_in_the_file_names_the_file_and_the_setting(tmp_path, content, words):
    config = tmp_path / "decoder_config.py"
    config.write_text(content)
    with pytest.raises(ValueError, match=words):
        PlatformSettings.load(config)
    with pytest.raises(ValueError, match="not a file"):
        PlatformSettings.load(environ={"DECODER_CONFIG": str(tmp_path / "absent.py")})


def test_a_bad_environment_value_names_its_variable():
    with pytest.raises(ValueError, match="DECODER_HUB_PORT"):
        PlatformSettings.load(environ={"DECODER_HUB_PORT": "huit"})
