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
    assert settings.public_url == "http://127.0.0.1:8000"


def test_env_values_are_parsed_by_type():
    assert parse_env_value(Bool(), "1") is True
    assert parse_env_value(Integer(), "42") == 42
    assert parse_env_value(List(), "a, b,,c") == ["a", "b", "c"]
    with pytest.raises(ValueError, match="not a boolean"):
        parse_env_value(Bool(), "peut-être")
