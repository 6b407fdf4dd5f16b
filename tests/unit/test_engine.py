"""How dockerd is started: live-restore on, without clashing with the engine's own file."""

import pytest

from decoder.engine import EngineError, daemon_config, dockerd_command


def test_the_engine_we_start_keeps_containers_through_its_restart():
    assert dockerd_command("/usr/sbin/dockerd", {}) == ["/usr/sbin/dockerd", "--live-restore"]


def test_the_operators_file_decides_when_it_says_live_restore():
    # dockerd refuses to start when a directive is both a flag and in daemon.json
    for value in (True, False):
        assert dockerd_command("dockerd", {"live-restore": value}) == ["dockerd"]


def test_daemon_json_missing_or_broken(tmp_path):
    assert daemon_config(tmp_path / "absent.json") == {}
    (tmp_path / "daemon.json").write_text('{"live-restore": true}')
    assert daemon_config(tmp_path / "daemon.json") == {"live-restore": True}
    (tmp_path / "broken.json").write_text("{live-restore")
    with pytest.raises(EngineError, match="cannot be read"):
        daemon_config(tmp_path / "broken.json")
