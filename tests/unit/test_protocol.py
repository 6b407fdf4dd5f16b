"""The contract between the lab and the course service (decoder/protocol.py): both sides build
and read the same routes, files and checksums from it."""

from __future__ import annotations

import re

import pytest

from decoder import protocol


@pytest.mark.parametrize(("name", "params"), [
    ("assignments", {}), ("release_files", {"assignment": "s1-bonjour"}),
    ("submit", {"assignment": "s2.tarif_v2"}), ("feedback", {"submission": 42}),
    ("batch", {"batch": "ab12cd"}), ("release_hidden", {"assignment": "s1-bonjour"}),
])
def test_a_route_built_by_the_lab_is_matched_by_the_services_pattern(name, params):
    path = protocol.route(name, **params)
    match = re.fullmatch(protocol.url_pattern(name, "/services/course/"),
                         "/services/course/" + path)
    assert match is not None and list(match.groups()) == [str(v) for v in params.values()]
    others = [other for other in protocol.ROUTES if other != name and re.fullmatch(
        protocol.url_pattern(other, "/services/course/"), "/services/course/" + path)]
    assert others == []  # one route, one handler


@pytest.mark.parametrize("bad", ["../etc", "a/b", "", "x" * 101, "é"])
def test_a_parameter_the_service_would_refuse_is_not_sent(bad):
    with pytest.raises(ValueError):
        protocol.route("submit", assignment=bad)


def test_a_query_is_encoded_and_an_empty_one_left_out():
    assert protocol.route("my_submissions", query={"assignment": "s1-bonjour"}) == \
        "api/submissions?assignment=s1-bonjour"
    assert protocol.route("my_submissions", query={"assignment": None}) == "api/submissions"


def test_files_travel_and_come_back_byte_for_byte():
    files = {"s1.ipynb": b'{"cells": []}', "d/data.bin": bytes(range(256))}
    assert protocol.decode_files(protocol.encode_files(files)) == files


@pytest.mark.parametrize(("payload", "key"), [
    (None, "empty"), ({"files": {}}, "empty"), ({"files": {"a": 3}}, "malformed"),
    ({"files": {"a": "%%%"}}, "bad_encoding"),
    ({"files": {f"f{i}": "" for i in range(protocol.MAX_FILES + 1)}}, "too_many_files"),
])
def test_a_payload_off_the_contract_names_its_message(payload, key):
    with pytest.raises(protocol.PayloadError) as refused:
        protocol.decode_files(payload)
    assert refused.value.key == key


def test_limits_and_checksum():
    assert protocol.max_submission_bytes(20) == 20 * 2**20
    over = protocol.encode_files({"x": b"0" * int(protocol.max_submission_bytes(2) * 1.2)})
    # a submission a fifth over the limit is read, and refused with its size (not cut off)
    assert protocol.max_request_bytes(2) > len(over["files"]["x"]) + 100
    assert protocol.checksum("é".encode()) == protocol.checksum(b"\xc3\xa9")
    assert protocol.service_url("http://172.29.0.1:8082/") == \
        "http://172.29.0.1:8082/services/course/"


@pytest.mark.parametrize("text, expected", [
    ("12", 12), ("0", 0), ("999", 999), ("1234", None), ("²", None), ("١", None),
    ("1²", None), (" 1", None), ("1\n", None), ("", None), ("-1", None), ("+1", None),
    ("1_0", None), ("0x1", None)])
def test_a_number_from_a_request_is_plain_ascii_digits(text, expected):
    """str.isdigit takes « ² » (int() then fails: a 500 the API's fuzzing found) and « ١ »."""
    assert protocol.plain_number(text, 3) == expected
