"""The exchange classes of the lab image speak the platform's language (DECODER_UI_LANGUAGE)."""

from __future__ import annotations

import http.server
import importlib.util
import threading
import time

import pytest

from decoder.settings import PROJECT_ROOT
from tests.localhost import free_port

spec = importlib.util.spec_from_file_location(
    "decoder_exchange", PROJECT_ROOT / "images" / "lab" / "decoder_exchange.py")
exchange = importlib.util.module_from_spec(spec)
spec.loader.exec_module(exchange)


def test_messages_are_french_by_default_and_english_when_asked(monkeypatch):
    monkeypatch.delenv("DECODER_UI_LANGUAGE", raising=False)
    assert "plus que la limite de 20 Mo" in exchange.say("too_big", size=21.0, limit=20)
    monkeypatch.setenv("DECODER_UI_LANGUAGE", "en")
    assert "more than the 20 MB limit" in exchange.say("too_big", size=21.0, limit=20)


class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the standard library's name
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"ok": true}')

    def log_message(self, *args):
        pass


def test_a_service_restarting_is_waited_for_when_the_door_is_shut(monkeypatch):
    """The course service restarts with the hub (a few seconds): a request refused at the
    door is asked again until the service listens, instead of « ne répond pas » at once."""
    port = free_port()
    client = exchange.ServiceExchange(service_url=f"http://127.0.0.1:{port}/services/course/",
                                      wait_for_service_seconds=15)
    stop = threading.Event()

    def come_back():
        time.sleep(1.5)  # nothing listens on the port until 1.5 s after the first try
        server = http.server.HTTPServer(("127.0.0.1", port), Health)
        server.timeout = 0.1
        while not stop.is_set():
            server.handle_request()
        server.server_close()

    service = threading.Thread(target=come_back)
    service.start()
    try:
        status, body = client.request("GET", "health")
    finally:
        stop.set()
        service.join()
    assert (status, body) == (200, {"ok": True})


def test_a_service_that_stays_away_is_said_in_french(monkeypatch):
    monkeypatch.delenv("DECODER_UI_LANGUAGE", raising=False)
    client = exchange.ServiceExchange(
        service_url=f"http://127.0.0.1:{free_port()}/services/course/",
        wait_for_service_seconds=1)
    with pytest.raises(exchange.ExchangeError, match="ne répond pas"):
        client.request("GET", "health")
