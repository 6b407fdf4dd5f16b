import pytest
from traitlets.config import Config

from decoder.hub.network import (
    NetworkError,
    chain_name,
    check_existing,
    firewall_rules,
    network_options,
    restore_text,
)
from decoder.settings import PlatformSettings


def settings(**values) -> PlatformSettings:
    return PlatformSettings(config=Config({"PlatformSettings": values}))


def test_firewall_accepts_replies_and_open_ports_then_refuses_everything():
    rules = firewall_rules("172.29.0.1", [8081, 8081, 9000])
    assert rules[0][-1] == "ACCEPT" and "ESTABLISHED,RELATED" in rules[0]
    assert [r[r.index("--dport") + 1] for r in rules[1:-1]] == ["8081", "9000"]
    assert all("-d" in r and "172.29.0.1" in r for r in rules[1:-1])
    assert rules[-1][:2] == ["-j", "REJECT"]


def test_the_chain_is_replaced_in_one_commit():
    text = restore_text("DCD-x0", firewall_rules("172.29.0.1", [8081]))
    lines = text.splitlines()
    assert lines[:2] == ["*filter", ":DCD-x0 - [0:0]"] and lines[-1] == "COMMIT"
    assert lines[2] == "-A DCD-x0 -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT"
    assert lines[-2] == "-A DCD-x0 -j REJECT --reject-with icmp-port-unreachable"
    assert not any(line.startswith(("-F", "-X", ":INPUT")) for line in lines)  # nothing else


@pytest.mark.parametrize("part", ["", "a b", "x\n-A INPUT -j ACCEPT", "#", '"'])
def test_a_rule_that_would_bend_the_restore_text_is_refused(part):
    with pytest.raises(NetworkError):
        restore_text("DCD-x0", [["-j", part]])


def test_network_has_no_way_out_and_no_traffic_between_learners():
    options = network_options(settings(learner_subnet="172.29.5.0/24"))
    assert options["internal"] is True
    assert options["options"]["com.docker.network.bridge.enable_icc"] == "false"
    assert options["options"]["com.docker.network.bridge.enable_ip_masquerade"] == "false"
    assert network_options(settings(allow_egress=True))["internal"] is False


def test_a_network_that_drifted_from_the_settings_is_refused():
    good = {
        "IPAM": {"Config": [{"Subnet": "172.29.0.0/24"}]}, "Internal": True,
        "Options": {"com.docker.network.bridge.enable_icc": "false",
                    "com.docker.network.bridge.name": "decoder-br0"},
    }
    check_existing(good, settings())
    leaky = {**good, "Options": {**good["Options"],
                                 "com.docker.network.bridge.enable_icc": "true"}}
    with pytest.raises(NetworkError, match="between containers"):
        check_existing(leaky, settings())
    with pytest.raises(NetworkError, match="allow_egress"):
        check_existing({**good, "Internal": False}, settings())


def test_chain_names_fit_iptables_limit():
    assert len(chain_name("a-very-long-bridge-name-indeed")) <= 28
    assert chain_name("decoder-br0") != chain_name("decoder-test0")
