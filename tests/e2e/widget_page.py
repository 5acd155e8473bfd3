"""A resident using the website chat widget in headless Chromium (Playwright).

The browser is Debian's `chromium` package; Playwright never downloads one. The widget
lives in an open shadow root: Playwright's locators look inside it, and the JavaScript
snippets here reach it through `document.querySelector("consult-chat").shadowRoot`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from playwright.sync_api import Locator, Page

# The first reply comes from a Rasa server that may still be warming up.
REPLY_TIMEOUT_MS = 60_000
STORAGE_PREFIX = "consult-chat:"

# The deepest focused element, through the widget's shadow root.
FOCUSED = """() => {
  let element = document.activeElement;
  while (element && element.shadowRoot && element.shadowRoot.activeElement) {
    element = element.shadowRoot.activeElement;
  }
  if (!element || element === document.body) return null;
  const style = getComputedStyle(element);
  return {
    tag: element.tagName.toLowerCase(),
    id: element.id,
    className: String(element.className),
    role: element.getAttribute("role"),
    text: (element.textContent || "").trim(),
    outline: style.outlineStyle === "none" ? 0 : parseFloat(style.outlineWidth),
  };
}"""

# Records every text put into the widget's live region, from now on.
RECORD_ANNOUNCEMENTS = """() => {
  const region = document.querySelector("consult-chat").shadowRoot.querySelector(".announcer");
  window.announced = [];
  new MutationObserver((records) => {
    for (const record of records) {
      for (const node of record.addedNodes) window.announced.push(node.textContent);
    }
  }).observe(region, { childList: true, subtree: true, characterData: true });
}"""


@dataclass
class WidgetPage:
    page: Page
    url: str
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # Whether to say yes to the widget's own question ("Remove this chat from this device?").
    confirm: bool = False

    def __post_init__(self) -> None:
        # Nothing on the page may pop up a dialog (an injected alert() would) or fail.
        self.page.on("dialog", self._on_dialog)
        self.page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        self.page.on(
            "console",
            lambda message: message.type == "error" and self.errors.append(message.text),
        )

    def _on_dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        if self.confirm and dialog.type == "confirm":
            dialog.accept()
        else:
            dialog.dismiss()

    def load(self) -> None:
        self.page.goto(self.url)
        self.page.locator("consult-chat").wait_for(state="attached")

    def reload(self) -> None:
        self.page.reload()
        self.page.locator("consult-chat").wait_for(state="attached")

    @property
    def launcher(self) -> Locator:
        return self.page.locator(".launcher")

    @property
    def input(self) -> Locator:
        return self.page.get_by_label("Your message")

    def open(self) -> None:
        self.launcher.click()
        self.input.wait_for()

    def wait_for_choice(self, title: str) -> Locator:
        button = self.page.get_by_role("button", name=title, exact=True)
        button.wait_for(timeout=REPLY_TIMEOUT_MS)
        return button

    def wait_for_bot(self, words: str) -> None:
        self.page.locator(".from-bot .message-text", has_text=words).last.wait_for(
            timeout=REPLY_TIMEOUT_MS
        )

    def say(self, text: str) -> None:
        self.input.fill(text)
        self.input.press("Enter")

    def say_and_wait(self, text: str) -> None:
        """Send a message and wait for the assistant's whole answer: at least one new
        message, and the typing indicator gone (the widget's sign the turn is over)."""
        before = len(self.bot_texts())
        self.say(text)
        self.page.wait_for_function(
            """(before) => {
                const root = document.querySelector("consult-chat").shadowRoot;
                return root.querySelectorAll(".from-bot").length > before
                    && root.querySelector(".typing").hidden;
            }""",
            arg=before,
            timeout=REPLY_TIMEOUT_MS,
        )

    def messages(self) -> list[tuple[str, str]]:
        """Every message shown, as (who, text): who is "bot" or "you"."""
        shown = self.page.evaluate(
            """() => [...document.querySelector("consult-chat").shadowRoot
                  .querySelectorAll(".message")].map((m) => [
                m.classList.contains("from-bot") ? "bot" : "you",
                m.querySelector(".message-text").textContent,
              ])"""
        )
        return [(who, text) for who, text in shown]

    def bot_texts(self) -> list[str]:
        return [text for who, text in self.messages() if who == "bot"]

    def choices(self) -> list[str]:
        return self.page.locator(".choice").all_inner_texts()

    def stored(self) -> tuple[str, dict[str, Any]]:
        """The widget's localStorage entry: (key, value)."""
        entries = self.page.evaluate("() => Object.entries(localStorage)")
        [(key, value)] = [(k, v) for k, v in entries if k.startswith(STORAGE_PREFIX)]
        return key, json.loads(value)

    def session_id(self) -> str:
        return self.stored()[1]["sessionId"]

    def focused(self) -> dict[str, Any] | None:
        return self.page.evaluate(FOCUSED)

    def record_announcements(self) -> None:
        self.page.evaluate(RECORD_ANNOUNCEMENTS)

    def announcements(self) -> list[str]:
        return self.page.evaluate("() => window.announced")

    def count_in_widget(self, selector: str) -> int:
        return self.page.evaluate(
            "(s) => document.querySelector('consult-chat').shadowRoot.querySelectorAll(s).length",
            selector,
        )
