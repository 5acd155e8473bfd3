// The widget's elements and what the controller (chat.js) can do with them. It knows nothing
// about sockets or storage: it shows what it is given and reports what the resident does
// through `actions` ({ onOpen, onClose, onSend, onChoose, onForget }).
//
// Accessibility, in short (README "Website widget" has the whole list):
// - real <button>s, <form> and <label>, so everything works with a keyboard and is named;
// - the conversation is a role="log" with aria-live="off", so showing the history after a
//   reload is not read out again; each new message from the assistant is put, once, into a
//   separate visually hidden live region (the "announcer");
// - focus moves only when the resident acts: to the message box on opening the chat or
//   after choosing a button (the buttons go away), and back to the chat button on closing.

import { el, visuallyHidden } from "./dom.js";
import { announcement, messageElement } from "./message-view.js";

// Old announcements are removed (silently), so the live region stays small.
const ANNOUNCEMENTS_KEPT = 3;

export function createView(root, options, actions) {
  const launcher = el("button", { type: "button", class: "launcher" }, options.buttonText);

  const title = el("h2", { id: "consult-chat-title", class: "title" }, options.title);
  const closeButton = el(
    "button",
    { type: "button", class: "close" },
    "Close",
    visuallyHidden(" the chat"),
  );

  const history = el("div", { class: "history" });
  const choices = el("div", {
    class: "choices",
    role: "group",
    "aria-label": "Choose an answer",
    hidden: true,
  });
  const typing = el(
    "div",
    { class: "typing", hidden: true },
    el("span", { class: "dots", "aria-hidden": "true" }, el("span"), el("span"), el("span")),
    visuallyHidden("The assistant is typing"),
  );
  // tabindex: the log scrolls, so keyboard users must be able to reach it to scroll it.
  const log = el(
    "div",
    { class: "log", role: "log", "aria-live": "off", "aria-label": "Conversation", tabindex: "0" },
    history,
    choices,
    typing,
  );

  const status = el("p", { class: "status", role: "status" });

  const input = el("input", {
    id: "consult-chat-input",
    class: "input",
    type: "text",
    autocomplete: "off",
    enterkeyhint: "send",
  });
  const form = el(
    "form",
    { class: "composer" },
    el("label", { for: "consult-chat-input", class: "label" }, "Your message"),
    el("div", { class: "row" }, input, el("button", { type: "submit", class: "send" }, "Send")),
  );
  const forgetButton = el(
    "button",
    { type: "button", class: "forget" },
    "Remove this chat from this device",
  );

  const panel = el(
    "section",
    { class: "panel", "aria-labelledby": "consult-chat-title", hidden: true },
    el("div", { class: "header" }, title, closeButton),
    log,
    status,
    form,
    forgetButton,
  );
  const announcer = el("div", { class: "announcer visually-hidden", "aria-live": "polite" });

  root.append(el("div", { class: "chat" }, launcher, panel, announcer));

  launcher.addEventListener("click", () => actions.onOpen());
  closeButton.addEventListener("click", () => actions.onClose());
  forgetButton.addEventListener("click", () => actions.onForget());
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") actions.onClose();
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    actions.onSend(text);
  });

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  function clearChoices() {
    // If a chosen button had focus, focus would be lost with it: keep it in the chat.
    const hadFocus = choices.contains(root.activeElement);
    choices.replaceChildren();
    choices.hidden = true;
    if (hadFocus) input.focus();
  }

  function announce(text) {
    announcer.append(el("p", {}, text));
    while (announcer.childElementCount > ANNOUNCEMENTS_KEPT) announcer.firstElementChild.remove();
  }

  return {
    open({ focus }) {
      panel.hidden = false;
      // Hidden while the chat is open: on a small screen the chat covers it.
      launcher.hidden = true;
      scrollToEnd();
      if (focus) input.focus();
    },

    close() {
      panel.hidden = true;
      launcher.hidden = false;
      launcher.focus();
    },

    showMessage(message, { announce: isNew }) {
      history.append(messageElement(message));
      if (isNew && message.from === "bot") announce(announcement(message));
      scrollToEnd();
    },

    showChoices(buttons) {
      if (buttons.length === 0) return;
      choices.replaceChildren(
        ...buttons.map((button) => {
          const element = el("button", { type: "button", class: "choice" }, button.title);
          element.addEventListener("click", () => actions.onChoose(button));
          return element;
        }),
      );
      choices.hidden = false;
      scrollToEnd();
    },

    clearChoices,

    clearHistory() {
      history.replaceChildren();
      clearChoices();
    },

    setTyping(on) {
      typing.hidden = !on;
      scrollToEnd();
    },

    setStatus(text) {
      // Only on a change: setting the same words again would read them out again.
      if (status.textContent !== text) status.textContent = text;
    },

    announce,
  };
}
