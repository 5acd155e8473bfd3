"""Every message the assistant can send reads plainly enough (bot/readability.py's bars),
and Easy Read exists for all of it with the same answer codes."""

from __future__ import annotations

import pytest

from bot import content
from bot.messages import EASY_READ_SLOT, domain_responses, every_message, variation_mode
from bot.readability import BARS, EASY_READ, STANDARD, score

MESSAGES = list(every_message())


@pytest.mark.parametrize("message", MESSAGES, ids=[f"{m.mode}:{m.origin}" for m in MESSAGES])
def test_message_meets_the_readability_bars_for_its_mode(message):
    assert score(message.text).failures(BARS[message.mode]) == [], message.text


def test_every_source_of_messages_is_measured():
    origins = {m.origin.split(" ")[0] for m in MESSAGES}
    assert {"domain.yml", "parts.yml", "consultation.yml", "actions/receipt.py"} <= origins
    assert any(o.startswith("bot/channels/") for o in origins)
    assert {m.mode for m in MESSAGES} == {STANDARD, EASY_READ}


@pytest.mark.parametrize(
    "text",
    [
        # A policy document's sentence: long words, one long sentence.
        "The Mayor's Office for Policing and Crime will, in partnership with criminal justice "
        "agencies, institute a comprehensive performance framework incorporating "
        "victim-centred restorative justice interventions across all constituent boroughs.",
        "x " * 200,
    ],
)
def test_the_bars_catch_hard_or_long_text(text):
    assert score(text).failures(BARS[STANDARD])
    assert score(text).failures(BARS[EASY_READ])


def test_easy_read_is_stricter_than_standard():
    text = (
        "The draft plan set out clear standards of service. These are what you can expect "
        "from the police and from the rest of the justice system, such as the courts."
    )
    assert score(text).failures(BARS[STANDARD]) == []
    assert score(text).failures(BARS[EASY_READ])


# --- Easy Read exists everywhere, and answers keep their codes ---

RESPONSES = domain_responses()


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_every_response_has_an_easy_read_and_a_standard_variation(name):
    modes = {variation_mode(v) for v in RESPONSES[name] if v.get("text")}
    assert modes == {STANDARD, EASY_READ}, f"{name} needs both (condition on {EASY_READ_SLOT})"


def _payloads(name: str, mode: str) -> set[str]:
    found: set[str] = set()
    for variation in RESPONSES[name]:
        if variation_mode(variation) == mode:
            found |= {b["payload"] for b in variation.get("buttons") or []}
    return found


SWITCHES = {"/easy_read", "/standard_words"}


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_easy_read_buttons_store_the_same_codes_as_the_standard_ones(name):
    easy = _payloads(name, EASY_READ) - SWITCHES
    assert easy <= _payloads(name, STANDARD), f"{name}: Easy Read offers a code standard lacks"


@pytest.mark.parametrize(
    "name", sorted(n for n in RESPONSES if n.startswith("utter_ask_") and n.endswith("_agreement"))
)
def test_easy_read_agreement_questions_offer_three_plain_choices(name):
    for variation in RESPONSES[name]:
        if variation_mode(variation) == EASY_READ:
            titles = [b["title"] for b in variation["buttons"]]
            payloads = [b["payload"] for b in variation["buttons"]]
            assert payloads == ["/agree", "/dont_know", "/disagree"], titles
            assert len(titles) < len(RESPONSES[name][-1]["buttons"])


def test_the_resident_can_switch_both_ways_from_the_consent_question():
    assert "/easy_read" in _payloads("utter_ask_consent", STANDARD)
    assert "/standard_words" in _payloads("utter_ask_consent", EASY_READ)


@pytest.mark.parametrize("part", sorted(content.parts()))
def test_every_part_has_easy_read_content(part):
    standard, easy = content.parts(content.STANDARD)[part], content.parts(content.EASY_READ)[part]
    assert easy.explain
    for section in ("more", "what_happened_next"):
        assert bool(getattr(easy, section)) == bool(getattr(standard, section)), section


def test_every_general_section_has_easy_read_content():
    standard, easy = content.consultation(content.STANDARD), content.consultation(content.EASY_READ)
    assert set(easy) == set(standard)
    assert all(easy.values())
