"""The benchmark's pure parts: percentiles, reply checks, the answer check, targets, table."""

from __future__ import annotations

import json

import pytest

from bench import baseline, profiling
from bench.answers import compare
from bench.conversation import SCRIPTS, Turn, expected_answers, script_for
from bench.load import Resident, TurnRecord, button_payload, check_reply, cut_off
from bench.report import Report, ScenarioResult, format_table, targets, to_json
from bench.run import Load, summarise_run
from bench.stats import percentile, ratio, summarise_latencies, throughput
from bot.db.queries import validate_answer

# -- percentiles -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "p", "expected"),
    [
        ([5.0], 50, 5.0),
        ([5.0], 99, 5.0),
        ([1, 2, 3, 4], 0, 1),
        ([1, 2, 3, 4], 100, 4),
        ([1, 2, 3, 4], 50, 2.5),
        ([4, 1, 3, 2], 50, 2.5),  # order does not matter
        ([1, 2, 3, 4, 5], 50, 3),
        # numpy.percentile(range(1, 101), 95) == 95.05, (…, 99) == 99.01
        (list(range(1, 101)), 95, 95.05),
        (list(range(1, 101)), 99, 99.01),
        ([10, 20], 25, 12.5),
    ],
)
def test_percentile_interpolates_like_numpy(values: list[float], p: float, expected: float) -> None:
    assert percentile(values, p) == pytest.approx(expected)


@pytest.mark.parametrize(("values", "p"), [([], 50), ([1.0], -1), ([1.0], 101)])
def test_percentile_refuses_nonsense(values: list[float], p: float) -> None:
    with pytest.raises(ValueError):
        percentile(values, p)


def test_latency_summary_is_in_milliseconds() -> None:
    summary = summarise_latencies([0.1, 0.2, 0.3, 0.4])
    assert summary is not None
    assert summary.count == 4
    assert summary.p50_ms == pytest.approx(250)
    assert summary.mean_ms == pytest.approx(250)
    assert summary.max_ms == pytest.approx(400)
    assert summarise_latencies([]) is None


def test_throughput_and_ratio() -> None:
    assert throughput(100, 20.0) == 5.0
    assert throughput(100, 0) == 0.0
    assert ratio(10.0, 4.0) == 2.5
    assert ratio(10.0, 0.0) is None
    assert ratio(None, 4.0) is None


# -- replies ---------------------------------------------------------------------------

REPLIES = [
    {"text": "How far do you agree?", "buttons": [{"title": "Agree", "payload": "/agree"}]},
    {"text": "Pick one", "buttons": [{"title": "Strongly agree", "payload": "/x"}]},
]


def test_a_button_is_found_by_the_start_of_its_title_in_the_last_buttons() -> None:
    assert button_payload(REPLIES, "Strongly") == "/x"
    assert button_payload(REPLIES, "Agree") is None  # only the last offered buttons count
    assert button_payload([], "Agree") is None


@pytest.mark.parametrize(
    ("turn", "replies", "problem"),
    [
        (Turn("hi", expect="how far"), REPLIES, None),
        (Turn("hi"), [{"text": "anything"}], None),
        (Turn("hi", expect="borough"), REPLIES, "expected 'borough'"),
        (Turn("hi"), [], "no text in the reply"),
        (Turn("hi"), [{"image": "x.png"}], "no text in the reply"),
        (Turn("hi"), [{"text": "Sorry, I didn't catch your answer."}], "trouble reply"),
    ],
)
def test_check_reply(turn: Turn, replies: list[dict], problem: str | None) -> None:
    found = check_reply(turn, replies)
    assert (found is None) if problem is None else (found is not None and problem in found)


# -- the scripts -----------------------------------------------------------------------


@pytest.mark.parametrize("script", SCRIPTS)
def test_every_answer_a_script_stores_is_allowed_by_the_codebook(script) -> None:  # type: ignore[no-untyped-def]
    turns = script(3)
    assert turns and turns[-1].expect == "reference code"
    for question, (value, text) in expected_answers(turns).items():
        validate_answer(question, value, text)


def test_residents_alternate_scripts_and_comments_name_the_resident() -> None:
    assert script_for(0)[2].message != script_for(1)[2].message
    texts = [text for _, (_, text) in expected_answers(script_for(12)).items() if text]
    assert texts and all("12" in text for text in texts)


def test_the_baseline_resident_sends_as_many_messages_as_ours() -> None:
    for number in range(4):
        assert len(baseline.moodbot_script(len(script_for(number)))) == len(script_for(number))


# -- the answer check ------------------------------------------------------------------


def test_compare_finds_missing_different_and_unexpected_answers() -> None:
    expected = {
        "a": {"q1": ("agree", None), "q2": ("given", "my words")},
        "b": {"q1": ("disagree", None)},
    }
    stored = {
        "a": {"q1": ("agree", None), "q2": ("given", "other words"), "q3": ("skipped", None)},
    }
    check = compare(expected, stored)
    assert check.expected == 3
    assert check.stored_as_expected == 1
    assert check.missing == [("b", "q1")]
    assert [(r, q) for r, q, _, _ in check.different] == [("a", "q2")]
    assert check.unexpected == [("a", "q3")]
    assert not check.all_stored


def test_compare_passes_when_everything_is_stored() -> None:
    answers = {"a": {"q1": ("agree", None)}}
    check = compare(answers, answers)
    assert check.all_stored and check.expected == check.stored_as_expected == 1


def test_only_turns_that_got_the_right_reply_are_expected_to_be_stored() -> None:
    turns = [
        Turn("1", stores=(("q1", "agree", None),)),
        Turn("2", stores=(("q2", "agree", None),)),
    ]
    resident = Resident(0, turns)
    resident.records = [
        TurnRecord(0, 0, "1", 0.0, 0.1),
        TurnRecord(0, 1, "2", 0.2, 0.1, error="unexpected reply"),
    ]
    assert expected_answers(resident.answered_turns) == {"q1": ("agree", None)}
    assert not resident.completed


def test_residents_stopped_by_the_time_limit_count_one_cut_off_error_each() -> None:
    turns = [Turn("a"), Turn("b"), Turn("c")]
    waiting, pausing, done, failed = (Resident(i, turns) for i in range(4))
    waiting.records = [TurnRecord(0, 0, "a", 0.0, None)]  # no reply yet
    pausing.records = [TurnRecord(1, 0, "a", 0.0, 0.1)]
    done.records = [TurnRecord(2, i, m, 0.0, 0.1) for i, m in enumerate("abc")]
    failed.records = [TurnRecord(3, 0, "a", 0.0, None, error="timeout")]
    for resident in (waiting, pausing, done, failed):
        cut_off(resident, 9.0)
    assert [r.error for r in waiting.records] == ["cut off"]
    assert [(r.message, r.error) for r in pausing.records] == [("a", None), ("b", "cut off")]
    assert all(r.error is None for r in done.records)
    assert [r.error for r in failed.records] == ["timeout"]


def test_a_run_is_summarised_from_its_residents_turns() -> None:
    residents = [Resident(0, [Turn("a"), Turn("b")]), Resident(1, [Turn("a"), Turn("b")])]
    residents[0].records = [TurnRecord(0, 0, "a", 0, 0.1), TurnRecord(0, 1, "b", 1, 0.3)]
    residents[1].records = [TurnRecord(1, 0, "a", 0, None, error="timeout", detail="slow")]
    residents.append(Resident(2, [Turn("a")]))
    residents[2].records = [TurnRecord(2, 0, "a", 0, None, error="timeout")]
    residents.append(Resident(3, [Turn("a")]))
    residents[3].records = [TurnRecord(3, 0, "a", 0, 2.0, error="http 500")]
    result = summarise_run(Load("saturation", 2, 0.0), "ours", residents, seconds=2.0)
    assert (result.turns_planned, result.turns_ok, result.residents_completed) == (6, 2, 1)
    assert result.turns_per_second == 1.0
    assert result.errors == {"timeout": 2, "http 500": 1}
    # Latencies of every reply that came, even an error page's.
    assert result.latency is not None and result.latency.p50_ms == pytest.approx(300)
    assert result.error_examples[:2] == [
        "resident 1 turn 1 ('a'): timeout; slow",
        "resident 3 turn 1 ('a'): http 500; ",
    ]
    assert len(result.error_examples) == 3


# -- targets and the table -------------------------------------------------------------


def scenario(scenario: str, system: str, tps: float, p95_s: float, **kw) -> ScenarioResult:  # type: ignore[no-untyped-def]
    latencies = [p95_s] * 10
    return ScenarioResult(
        scenario=scenario,
        system=system,
        residents=20,
        pause_s=0.0,
        turns_planned=100,
        turns_ok=100,
        seconds=10.0,
        turns_per_second=tps,
        latency=summarise_latencies(latencies),
        **kw,
    )


def a_report(**kw) -> Report:  # type: ignore[no-untyped-def]
    report = Report(
        started_at="2026-11-28 19:00 UTC",
        commit="abc1234",
        machine={"cpus": 2, "cpu_model": "AMD EPYC"},
        options={},
        database="sqlite:///var/bench/consult.db",
        training_seconds=130.0,
        startup_seconds={"ours": 14.0, "baseline": 9.0},
        peak_memory_mb={"rasa_server": 700.0, "action_server": 150.0},
        **kw,
    )
    report.scenarios = [
        scenario("saturation", "ours", 30.0, 0.9, answers_expected=50, answers_stored=50),
        scenario("saturation", "baseline", 10.0, 1.5),
        scenario("realistic", "ours", 8.0, 0.2, answers_expected=80, answers_stored=80),
    ]
    return report


def verdicts(report: Report) -> dict[str, bool | None]:
    return {target.name: target.passed for target in targets(report)}


def test_targets_pass_when_met() -> None:
    assert all(verdicts(a_report()).values())


def test_targets_fail_when_missed_and_are_not_applicable_when_not_measured() -> None:
    report = a_report()
    report.scenarios[0].turns_per_second = 15.0  # 1.5x the baseline
    report.scenarios[2].latency = summarise_latencies([0.8] * 10)
    report.scenarios[2].errors = {"timeout": 2}
    report.scenarios[2].answers_stored = 79
    report.training_seconds = None
    report.peak_memory_mb["rasa_server"] = 1500.0
    found = verdicts(report)
    assert found["saturation throughput >= 2x baseline"] is False
    assert found["realistic p95 <= 500 ms"] is False
    assert found["realistic errors = 0"] is False
    assert found["realistic: every answer stored"] is False
    assert found["full rasa train <= 240 s"] is None
    assert found["Rasa server peak RSS <= 1.2 GB"] is False
    assert found["start-up to first answer <= 20 s"] is True


def test_the_table_shows_each_scenario_the_ratios_and_the_targets() -> None:
    report = a_report()
    report.scenarios[2].answer_problems = ["bench-1 local.comment: not stored"]
    report.scenarios[2].answers_stored = 79
    report.scenarios[0].cpu_cores = {"rasa_server": 0.98, "action_server": 0.41}
    table = format_table(report)
    lines = table.splitlines()
    assert any(line.split()[:2] == ["saturation", "baseline"] for line in lines)
    assert "saturation, ours / baseline: throughput 3.00x, p50 0.60x" in table
    assert "79/80 (!)" in table
    assert "FAIL  realistic: every answer stored" in table
    assert "PASS  saturation throughput >= 2x baseline" in table
    assert "start-up to first answer: ours 14.0 s, baseline 9.0 s" in table
    assert "saturation/ours cores busy: rasa_server 0.98, action_server 0.41" in table


def test_the_json_holds_ratios_and_targets() -> None:
    data = json.loads(json.dumps(to_json(a_report())))
    assert data["ratios"]["saturation"]["turns_per_second"] == pytest.approx(3.0)
    assert data["ratios"]["realistic"] == {}
    assert len(data["targets"]) == 7


# -- the profile summary ---------------------------------------------------------------


def test_a_py_spy_profile_is_summarised_by_hotspot_package_and_function() -> None:
    raw = [
        "<module> (rasa/__main__.py:1);run (rasa/core/agent.py:10);"
        "call (tensorflow/python/eager/function.py:5) 30\n",
        "<module> (rasa/__main__.py:1);all_subclasses (rasa/shared/utils/common.py:42) 20\n",
        'process 12:"python -m bot.rasa_offline run";<module> (rasa/__main__.py:1);'
        "execute (sqlalchemy/engine/base.py:9) 50\n",
        "<module> (rasa/__main__.py:1);serve (sanic/server/runners.py:155) 25\n",
        "not a sample line\n",
    ]
    summary = profiling.summarise(profiling.parse(raw))
    assert summary.samples == 125
    assert summary.idle == pytest.approx(0.2)
    hot = dict(summary.hotspots)  # shares of the 100 busy samples
    assert hot["TensorFlow"] == pytest.approx(0.3)
    assert hot["rasa all_subclasses"] == pytest.approx(0.2)
    assert hot["SQLAlchemy"] == pytest.approx(0.5)
    assert dict(summary.packages) == {
        "sqlalchemy": pytest.approx(0.5),
        "tensorflow": pytest.approx(0.3),
        "rasa": pytest.approx(0.2),
    }
    assert summary.top_self[0] == ("execute (sqlalchemy/engine/base.py)", pytest.approx(0.5))
