"""Record test stories from real conversations: `python -m tests.stories.record`.

Starts the real stack on a scratch SQLite database, plays each scripted conversation in
tests/stories/scripts.yml over the REST channel, reads the transcript back from the tracker
store and writes it as a Rasa test story to tests/stories/test_<file>.yml. Review the diff
before committing: these stories then guard against regressions in `make test`.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections import defaultdict
from pathlib import Path

import requests
import yaml
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.core.training_data.story_writer.yaml_story_writer import YAMLStoryWriter

from bot.settings import PROJECT_ROOT
from bot.stack import SCRIPTED_CONVERSATIONS, start_stack
from bot.tracker_store import ConsultTrackerStore
from bot.training import ensure_model
from tests.e2e.conftest import migrate

HERE = Path(__file__).resolve().parent
HEADER = "# Recorded by tests/stories/record.py from real conversations, then reviewed.\n"


def _without_overlaps(entities: list[dict]) -> list[dict]:
    """Keep the longest of overlapping entities: a test story can mark only one per span
    ("violence against women and girls" is a part; "violence" inside it is not a priority)."""
    kept: list[dict] = []
    for entity in sorted(entities, key=lambda e: e.get("start", 0) - e.get("end", 0)):
        if all(
            entity.get("end", 0) <= k.get("start", 0) or entity.get("start", 0) >= k.get("end", 0)
            for k in kept
        ):
            kept.append(entity)
    return sorted(kept, key=lambda e: e.get("start", 0))


async def story_yaml(store: ConsultTrackerStore, sender: str, name: str) -> str:
    tracker = await store.retrieve_full_tracker(sender)
    # Reference codes are random: leave them out so re-recording gives a clean diff.
    kept = [e for e in tracker.events if not (isinstance(e, SlotSet) and e.key == "reference_code")]
    tracker = DialogueStateTracker.from_events(sender, kept, store.domain.slots)
    for event in tracker.events:
        if isinstance(event, UserUttered):
            event.entities = _without_overlaps(event.entities)
            event.parse_data["entities"] = event.entities
    story = tracker.as_story()
    for step in story.story_steps:
        step.block_name = name
    return YAMLStoryWriter().dumps(story.story_steps, is_test_story=True)


def main() -> None:
    scripts = yaml.safe_load((HERE / "scripts.yml").read_text())["conversations"]
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{scratch}/consult.db"
        migrate(url)
        log = open(Path(scratch) / "stack.log", "w")
        stack = start_stack(ensure_model(), url, log=log, **SCRIPTED_CONVERSATIONS)
        try:
            for number, script in enumerate(scripts):
                sender = f"rest:recorded-{number}"  # as the REST channel stores it
                for message in script["messages"]:
                    requests.post(
                        stack.rest_webhook, json={"sender": sender, "message": message}, timeout=60
                    ).raise_for_status()
                script["sender"] = sender
            store = ConsultTrackerStore(domain=Domain.load(PROJECT_ROOT / "domain.yml"), host=url)
            by_file: dict[str, list[str]] = defaultdict(list)
            for script in scripts:
                text = asyncio.run(story_yaml(store, script["sender"], script["story"]))
                by_file[script["file"]].append(text.split("stories:\n", 1)[1])
        finally:
            stack.stop()
    for stem, stories in by_file.items():
        path = HERE / f"test_{stem}.yml"
        path.write_text(HEADER + 'version: "3.1"\nstories:\n' + "".join(stories))
        print(f"wrote {path.relative_to(PROJECT_ROOT)}")


if __name__ == "__main__":
    main()
