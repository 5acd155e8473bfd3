"""The website chat widget, in a real browser against the real servers.

Headless Chromium (Debian's package) driven by Playwright loads the demo page from the
stack's website; the widget talks to the stack's Rasa server over socket.io. Covered: a
conversation with buttons and typed answers that survives a reload and is saved; keyboard
only; text shown as text; each new message announced once; a 320 px screen and 200% zoom;
an axe-core audit (WCAG 2.x A and AA, and 2.2 AA); only allowed origins may connect.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from playwright.sync_api import Browser

from bot.channels.socketio import widget_sender_id
from bot.settings import PROJECT_ROOT
from bot.stack import Stack
from tests.e2e.browser import axe_violations, chromium
from tests.e2e.exported import export, stored_answers
from tests.e2e.widget_page import WidgetPage

SCREENSHOT = PROJECT_ROOT / "docs" / "widget.png"
COMMENT = "Youth clubs in Peckham would do more than stop and search"
CONSENT = "Yes, I'm happy"


@pytest.fixture(scope="session")
def widget_bundle() -> None:
    """Build the widget if its sources changed since the last build (`make widget`)."""
    subprocess.run(["make", "--no-print-directory", "widget"], cwd=PROJECT_ROOT, check=True)


@pytest.fixture(scope="module")
def browser(widget_bundle: None) -> Iterator[Browser]:
    with chromium() as browser:
        yield browser


def open_widget(browser: Browser, stack: Stack, **context_options: object) -> WidgetPage:
    options: dict = {"viewport": {"width": 1000, "height": 800}, **context_options}
    page = browser.new_context(**options).new_page()
    return WidgetPage(page, f"{stack.web_url}/")


@pytest.fixture
def widget(browser: Browser, sqlite_stack: Stack) -> Iterator[WidgetPage]:
    widget = open_widget(browser, sqlite_stack)
    yield widget
    widget.page.context.close()
    assert widget.errors == [], "the page logged errors"
    assert widget.dialogs == [], "something opened a dialog"


def greeted(widget: WidgetPage) -> WidgetPage:
    """The page loaded and the chat opened; the widget greets a new resident by itself."""
    widget.load()
    widget.open()
    widget.wait_for_choice(CONSENT)
    return widget


def test_a_resident_chats_reloads_and_finishes_a_part(
    widget: WidgetPage, sqlite_stack: Stack, sqlite_url: str
) -> None:
    greeted(widget)
    assert "Mayor's Office for Policing and Crime" in widget.bot_texts()[0]

    widget.wait_for_choice(CONSENT).click()
    widget.wait_for_choice("All of it")
    # A button sends its payload (/affirm) but shows its title as the resident's message.
    assert ("you", CONSENT) in widget.messages()
    assert "/affirm" not in str(widget.messages())

    widget.say("knife crime")  # typed, not a button
    widget.wait_for_choice("Strongly agree")
    before, session = widget.messages(), widget.session_id()

    widget.reload()  # the chat is open again, with what was said and the question's buttons
    widget.wait_for_choice("Strongly agree")
    assert widget.messages() == before

    widget.say("yeah mostly")  # the same conversation carries on after the reload
    widget.wait_for_bot("Why do you say that?")
    widget.wait_for_choice("Skip")
    if os.environ.get("SAVE_WIDGET_SCREENSHOT"):  # `make screenshot`, for the README
        widget.page.screenshot(path=str(SCREENSHOT))
    widget.say(COMMENT)
    widget.wait_for_bot("Your answers on this part are saved")
    widget.wait_for_choice("Finish")
    assert widget.messages()[: len(before)] == before
    assert widget.session_id() == session

    # In a thread: Playwright's event loop is running in this one, and this needs its own.
    # Stored by the session's keyed hash: the session id itself is in the browser only.
    with ThreadPoolExecutor(1) as thread:
        answers = thread.submit(stored_answers, sqlite_url, widget_sender_id(session)).result()
        assert thread.submit(stored_answers, sqlite_url, session).result() == {}
    assert answers == {
        "knife_crime.agreement": ("agree", None),
        "knife_crime.comment": ("given", COMMENT),
    }
    assert [row["channel"] for row in export(sqlite_url) if row["answer"] == COMMENT] == [
        "socketio"
    ]
    # The servers' logs hold neither the resident's words nor their session id.
    assert sqlite_stack.log_path is not None
    log = sqlite_stack.log_path.read_text(errors="replace")
    assert COMMENT not in log
    assert session not in log


def test_keyboard_only(widget: WidgetPage) -> None:
    widget.load()
    keyboard = widget.page.keyboard
    for _ in range(5):  # past the skip link to the chat button
        keyboard.press("Tab")
        if (widget.focused() or {}).get("className") == "launcher":
            break
    assert (widget.focused() or {}).get("text") == "Chat about the plan"
    keyboard.press("Enter")
    assert (widget.focused() or {}).get("id") == "consult-chat-input"  # ready to type
    widget.wait_for_choice(CONSENT)

    # Back from the message box: the buttons, the conversation (it scrolls), Close.
    order = []
    for _ in range(5):
        keyboard.press("Shift+Tab")
        order.append(widget.focused())
    assert [f["text"] for f in order[:3] if f] == ["Use easy words", "No", CONSENT]
    assert order[3] and order[3]["role"] == "log"
    assert order[4] and order[4]["text"] == "Close the chat"
    assert all(f and f["outline"] >= 2 for f in order), "every focused control shows it"

    keyboard.press("Tab")  # to the conversation
    keyboard.press("Tab")  # to "Yes, I'm happy"
    keyboard.press("Space")
    widget.wait_for_choice("All of it")
    assert ("you", CONSENT) in widget.messages()
    # The chosen buttons are gone: focus is back in the message box, not lost.
    assert (widget.focused() or {}).get("id") == "consult-chat-input"

    keyboard.type("knife crime")
    keyboard.press("Enter")
    widget.wait_for_choice("Agree")
    for _ in range(10):
        keyboard.press("Shift+Tab")
        if (widget.focused() or {}).get("text") == "Agree":
            break
    keyboard.press("Enter")
    widget.wait_for_bot("Why do you say that?")
    keyboard.type("Better lighting on the way home")
    keyboard.press("Enter")
    widget.wait_for_bot("Your answers on this part are saved")

    # Forward from the message box: Send, then removing the chat from this device.
    keyboard.press("Tab")
    assert (widget.focused() or {}).get("text") == "Send"
    keyboard.press("Tab")
    assert (widget.focused() or {}).get("text") == "Remove this chat from this device"
    # Escape closes the chat and puts focus back on the chat button.
    keyboard.press("Escape")
    assert (widget.focused() or {}).get("className") == "launcher"


def test_text_is_shown_as_text_and_links_are_safe(widget: WidgetPage) -> None:
    greeted(widget)
    markup = "<b>hi</b><img src=x onerror=alert(1)>"
    widget.say_and_wait(markup)
    assert ("you", markup) in widget.messages()
    assert widget.count_in_widget(".log b, .log img") == 0

    # The assistant's text goes through the same rendering: put some in the stored
    # history, as if the assistant had said it, and reload.
    key, stored = widget.stored()
    stored["messages"].append(
        {
            "from": "bot",
            "text": "Read https://example.org/plan. Not javascript:alert(1) or <i>this</i>.",
            "buttons": [],
        }
    )
    widget.page.evaluate("([k, v]) => localStorage.setItem(k, JSON.stringify(v))", [key, stored])
    widget.reload()
    widget.wait_for_bot("Not javascript:alert(1)")
    links = widget.page.evaluate(
        """() => [...document.querySelector("consult-chat").shadowRoot
              .querySelectorAll(".log a")].map((a) => [a.href, a.rel, a.target, a.textContent])"""
    )
    assert links == [
        [
            "https://example.org/plan",
            "noopener noreferrer",
            "_blank",
            "https://example.org/plan (opens in a new tab)",
        ]
    ]
    assert widget.bot_texts()[-1].endswith("Not javascript:alert(1) or <i>this</i>.")
    assert widget.count_in_widget(".log i, .log b, .log img") == 0
    assert ("you", markup) in widget.messages()  # still text after the reload


def test_each_new_message_is_announced_once(widget: WidgetPage) -> None:
    widget.load()
    widget.record_announcements()
    widget.open()
    widget.wait_for_choice(CONSENT)
    widget.wait_for_choice(CONSENT).click()
    widget.wait_for_choice("All of it")
    bot = widget.bot_texts()
    announced = widget.announcements()
    # Each of the assistant's messages once, in order (buttons mentioned); the resident's
    # own messages are not read back to them.
    assert len(announced) == len(bot)
    for text, said in zip(bot, announced, strict=True):
        assert said.startswith(text)
    assert any("buttons below" in said for said in announced)
    assert not any(CONSENT == said for said in announced)

    # After a reload, the history is shown but not read out again.
    widget.reload()
    widget.record_announcements()
    widget.wait_for_choice("All of it")
    widget.page.wait_for_timeout(1000)
    assert widget.announcements() == []
    assert widget.count_in_widget(".announcer *") == 0
    # The visible conversation is a log that is not itself live.
    assert widget.page.locator("[role=log]").get_attribute("aria-live") == "off"
    assert widget.page.locator(".announcer").get_attribute("aria-live") == "polite"


def no_horizontal_scroll(widget: WidgetPage, chat_open: bool) -> None:
    width = widget.page.evaluate("() => document.documentElement.clientWidth")
    assert widget.page.evaluate("() => document.documentElement.scrollWidth") <= width
    for selector in (".panel", ".log", ".composer"):
        overflow = widget.page.evaluate(
            """(s) => {
                const e = document.querySelector("consult-chat").shadowRoot.querySelector(s);
                return e.scrollWidth - e.clientWidth;
            }""",
            selector,
        )
        assert overflow <= 0, f"{selector} scrolls sideways"
    for element in (widget.input, widget.page.get_by_role("button", name="Send")):
        if chat_open:  # in sight, whole
            box = element.bounding_box()
            height = widget.page.evaluate("() => innerHeight")
            assert box and 0 <= box["x"] and box["x"] + box["width"] <= width
            assert 0 <= box["y"] and box["y"] + box["height"] <= height


@pytest.mark.parametrize(
    "viewport",
    [
        pytest.param({"width": 320, "height": 640}, id="320px-wide"),
        # A 1280 x 720 window at 200% zoom shows the page at 640 x 360 CSS pixels.
        pytest.param({"width": 640, "height": 360}, id="200%-zoom"),
    ],
)
def test_small_screens_and_zoom(browser: Browser, sqlite_stack: Stack, viewport: dict) -> None:
    widget = open_widget(browser, sqlite_stack, viewport=viewport)
    widget.load()
    no_horizontal_scroll(widget, chat_open=False)
    greeted(widget)
    no_horizontal_scroll(widget, chat_open=True)
    # The chat fills the screen, so it covers nothing that still has focus behind it.
    assert widget.launcher.is_hidden()
    # Every target is at least 24 by 24 CSS pixels (WCAG 2.2 target size).
    for button in widget.page.locator("consult-chat button:visible").all():
        box = button.bounding_box()
        assert box and box["width"] >= 24 and box["height"] >= 24, button.inner_text()
    widget.page.context.close()
    assert widget.errors == []


def test_reduced_motion_stops_the_typing_dots(browser: Browser, sqlite_stack: Stack) -> None:
    animation = """() => getComputedStyle(document.querySelector("consult-chat").shadowRoot
                        .querySelector(".dots span")).animationName"""
    for motion, expected in (("no-preference", "consult-chat-pulse"), ("reduce", "none")):
        widget = open_widget(browser, sqlite_stack, reduced_motion=motion)
        widget.load()
        assert widget.page.evaluate(animation) == expected
        widget.page.context.close()


@pytest.mark.parametrize("width", [1000, 320])
def test_accessibility_audit_finds_nothing(
    browser: Browser, sqlite_stack: Stack, width: int
) -> None:
    # bypass_csp: the page's policy rightly refuses the injected audit script.
    widget = open_widget(
        browser, sqlite_stack, viewport={"width": width, "height": 800}, bypass_csp=True
    )
    widget.load()
    assert axe_violations(widget.page) == []  # the page, chat closed
    widget.reload()
    greeted(widget)
    widget.say_and_wait("what is this?")
    assert axe_violations(widget.page) == []  # chat open, messages and buttons shown
    widget.page.context.close()


def test_removing_the_chat_from_this_device(widget: WidgetPage) -> None:
    greeted(widget)
    first_session = widget.session_id()
    widget.page.get_by_role("button", name="Remove this chat from this device").click()
    assert widget.dialogs and widget.dialogs[-1].startswith("Remove this chat")
    assert widget.messages() != []  # said no: nothing changed

    widget.confirm = True
    widget.page.get_by_role("button", name="Remove this chat from this device").click()
    assert widget.messages() == []
    assert (widget.focused() or {}).get("className") == "launcher"
    assert widget.page.evaluate("() => Object.keys(localStorage)") == []

    widget.open()  # a new conversation
    widget.wait_for_choice(CONSENT)
    assert widget.session_id() != first_session
    widget.dialogs.clear()


def test_only_allowed_origins_may_connect(sqlite_stack: Stack) -> None:
    handshake = f"{sqlite_stack.rasa_url}/socket.io/?EIO=4&transport=polling"
    allowed = requests.get(handshake, headers={"Origin": sqlite_stack.web_url}, timeout=10)
    assert allowed.status_code == 200
    assert allowed.headers["Access-Control-Allow-Origin"] == sqlite_stack.web_url
    refused = requests.get(handshake, headers={"Origin": "https://elsewhere.example"}, timeout=10)
    assert refused.status_code == 400
    assert "Access-Control-Allow-Origin" not in refused.headers


def test_the_page_is_served_with_a_strict_policy(sqlite_stack: Stack) -> None:
    page = requests.get(f"{sqlite_stack.web_url}/", timeout=10)
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert f"ws://localhost:{sqlite_stack.rasa_port}" in policy
    assert f'data-server-url="http://localhost:{sqlite_stack.rasa_port}"' in page.text
    # Everything the page loads comes from this website: nothing from a CDN, no web fonts.
    addresses = re.findall(r'(?:src|href)="([^"]*)"', page.text)
    assert addresses and all(url.startswith(("/", "#")) for url in addresses)
    assert requests.get(f"{sqlite_stack.web_url}/static/widget.js", timeout=10).ok
    missing = requests.get(f"{sqlite_stack.web_url}/nothing-here", timeout=10)
    assert missing.status_code == 404
    assert "Page not found" in missing.text
