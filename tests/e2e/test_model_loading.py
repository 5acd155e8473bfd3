"""The intent classifier loaded the quick way (bot.rasa_speedups: one eager prediction, no
training step) predicts what Rasa's own load gives, for every held-out example."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from rasa.core.agent import Agent
from rasa.shared.nlu.training_data.loading import load_data
from rasa.utils.tensorflow.models import RasaModel

from bot import rasa_speedups
from bot.nlu_report import HELD_OUT


def _rankings(model: Path, texts: list[str]) -> list[list[tuple[str, float]]]:
    agent = Agent.load(str(model))

    async def parse_all() -> list[dict[str, Any]]:
        return [await agent.parse_message(text) for text in texts]

    return [
        [(ranked["name"], ranked["confidence"]) for ranked in parsed["intent_ranking"]]
        for parsed in asyncio.run(parse_all())
    ]


def _no_training(*args: Any, **kwargs: Any) -> None:
    raise AssertionError("the quick load must not train a step")


def test_the_quick_load_predicts_exactly_as_rasas_own(
    model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = [example.get("text") for example in load_data(str(HELD_OUT)).intent_examples]
    assert len(texts) > 400

    rasa_speedups.install()
    with monkeypatch.context() as patched:
        patched.setattr(RasaModel, "fit", _no_training)
        quick = _rankings(model, texts)

    rasas_load = RasaModel.load.__wrapped__  # type: ignore[attr-defined]
    monkeypatch.setattr(RasaModel, "load", classmethod(rasas_load.__func__))
    stock = _rankings(model, texts)

    assert len(quick) == len(stock) == len(texts)
    for text, quick_ranking, stock_ranking in zip(texts, quick, stock, strict=True):
        assert [name for name, _ in quick_ranking] == [name for name, _ in stock_ranking], text
        assert [c for _, c in quick_ranking] == pytest.approx(
            [c for _, c in stock_ranking], abs=1e-5
        ), text
