"""The exchange classes of the lab image speak the platform's language (DECODER_UI_LANGUAGE)."""

from __future__ import annotations

import importlib.util

from decoder.settings import PROJECT_ROOT

spec = importlib.util.spec_from_file_location(
    "decoder_exchange", PROJECT_ROOT / "images" / "lab" / "decoder_exchange.py")
exchange = importlib.util.module_from_spec(spec)
spec.loader.exec_module(exchange)


def test_messages_are_french_by_default_and_english_when_asked(monkeypatch):
    monkeypatch.delenv("DECODER_UI_LANGUAGE", raising=False)
    assert "plus que la limite de 20 Mo" in exchange.say("too_big", size=21.0, limit=20)
    monkeypatch.setenv("DECODER_UI_LANGUAGE", "en")
    assert "more than the 20 MB limit" in exchange.say("too_big", size=21.0, limit=20)
