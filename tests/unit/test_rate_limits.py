"""The rate limits every channel applies (bot.rate_limits, bot.channels.limits), with time
simulated: the limiter is the real one, only the clock is given."""

from __future__ import annotations

import random
from datetime import date

import pytest

from bot.channels.limits import (
    DAILY_CAP_REPLY,
    DEFAULT_ADDRESS_RATE,
    DEFAULT_SENDER_RATE,
    ChannelLimits,
    in_words,
)
from bot.rate_limits import DailyCounts, Rate, TokenBuckets, address_of


def defaults() -> ChannelLimits:
    return ChannelLimits(
        Rate.parse(DEFAULT_SENDER_RATE, "sender"), Rate.parse(DEFAULT_ADDRESS_RATE, "address"), 1000
    )


def test_a_bucket_takes_its_burst_then_refuses_until_it_refills() -> None:
    buckets = TokenBuckets(Rate(burst=3, per_minute=60))
    assert [buckets.take("a", now=0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("a", now=0.0) == pytest.approx(1.0)  # one token a second
    assert buckets.take("b", now=0.0) == 0.0  # another key has its own bucket
    assert buckets.take("a", now=1.0) == 0.0
    assert buckets.take("a", now=1.0) > 0


def test_a_refused_request_takes_nothing_so_waiting_as_told_is_enough() -> None:
    buckets = TokenBuckets(Rate(burst=1, per_minute=6))  # one every 10 seconds
    assert buckets.take("a", now=0.0) == 0.0
    wait = buckets.take("a", now=2.0)
    assert wait == pytest.approx(8.0)
    assert buckets.take("a", now=2.0 + wait) == 0.0


def test_zero_a_minute_is_no_limit() -> None:
    buckets = TokenBuckets(Rate.parse("0", "SENDER_RATE_LIMIT"))
    assert all(buckets.take("a", now=0.0) == 0.0 for _ in range(10_000))


def test_memory_is_bounded_by_forgetting_the_least_recently_used() -> None:
    buckets = TokenBuckets(Rate(burst=1, per_minute=1), max_keys=100)
    for number in range(1_000):
        buckets.take(f"key-{number}", now=0.0)
    assert len(buckets) == 100


@pytest.mark.parametrize("text", ["fast", "10,0", "-1,5", "1,2,3", "", "10,x"])
def test_a_rate_that_makes_no_sense_is_refused_with_its_name(text: str) -> None:
    with pytest.raises(ValueError, match="SENDER_RATE_LIMIT"):
        Rate.parse(text, "SENDER_RATE_LIMIT")


def test_the_daily_cap_counts_per_key_and_starts_again_each_day() -> None:
    daily = DailyCounts(cap=3)
    monday, tuesday = date(2026, 12, 7), date(2026, 12, 8)
    assert [daily.count("a", monday) for _ in range(4)] == [True, True, True, False]
    assert daily.count("b", monday)
    assert daily.count("a", tuesday)


def test_ipv6_addresses_count_by_their_64_network() -> None:
    assert address_of("2001:db8::1") == address_of("2001:db8::ffff") == "2001:db8::/64"
    assert address_of("::ffff:192.0.2.7") == "192.0.2.7"


def test_200_residents_behind_one_address_are_never_limited() -> None:
    """Ten minutes of 200 residents sharing one address (a school, an office, a mobile
    network's NAT): each sends a message every 5 seconds on average, some tap three buttons
    in a row within a second, and all start within the same half-minute."""
    limits, rng = defaults(), random.Random(0)
    arrivals: list[tuple[float, str]] = []
    for resident in range(200):
        moment = rng.uniform(0, 30)
        while moment < 600:
            taps = 3 if rng.random() < 0.1 else 1
            arrivals += [(moment + tap * 0.3, f"web:{resident}") for tap in range(taps)]
            moment += rng.expovariate(1 / 5)
    refused = [
        sender
        for moment, sender in sorted(arrivals)
        if limits.admit(sender, "203.0.113.9", now=moment)
    ]
    assert len(arrivals) > 20_000
    assert refused == []


def test_one_conversation_sending_faster_than_anyone_types_is_refused() -> None:
    limits = defaults()
    answers = [limits.admit("rest:flood", "198.51.100.1", now=index * 0.05) for index in range(40)]
    first = next(index for index, refusal in enumerate(answers) if refusal)
    assert first == 20  # the burst
    refusal = answers[first]
    assert refusal is not None and "faster than I can read them" in refusal.reply
    assert refusal.retry_after >= 1 and not refusal.daily
    # Someone else at the same address is not held up by it.
    assert limits.admit("rest:neighbour", "198.51.100.1", now=2.0) is None


def test_new_conversations_from_one_address_cannot_dodge_the_limit() -> None:
    limits = defaults()
    refused = [
        limits.admit(f"rest:{number}", "198.51.100.2", now=number / 1000)
        for number in range(2_000)  # 2,000 messages in 2 seconds, each as a new sender
    ]
    assert refused[:1000] == [None] * 1000  # the address's burst
    assert sum(refusal is not None for refusal in refused) > 700


def test_a_conversation_past_its_day_is_told_to_come_back_tomorrow() -> None:
    limits = ChannelLimits(Rate(burst=10, per_minute=0), Rate(burst=10, per_minute=0), 5)
    answers = [limits.admit("sms:abc", now=float(index)) for index in range(7)]
    assert answers[:5] == [None] * 5
    assert answers[5] is not None and answers[5].reply == DAILY_CAP_REPLY and answers[5].daily


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(1, "a second"), (4, "4 seconds"), (89, "89 seconds"), (200, "4 minutes")],
)
def test_waits_are_said_in_words(seconds: int, words: str) -> None:
    assert in_words(seconds) == words


def test_limits_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENDER_RATE_LIMIT", "6,2")
    monkeypatch.setenv("ADDRESS_RATE_LIMIT", "0")
    monkeypatch.setenv("DAILY_MESSAGE_CAP", "9")
    limits = ChannelLimits.from_env()
    assert limits.senders.rate == Rate(burst=2, per_minute=6)
    assert limits.addresses.rate.unlimited
    assert limits.daily.cap == 9
    monkeypatch.setenv("DAILY_MESSAGE_CAP", "lots")
    with pytest.raises(ValueError, match="DAILY_MESSAGE_CAP"):
        ChannelLimits.from_env()
