// One message in the conversation, as elements.

import { el, visuallyHidden } from "./dom.js";
import { splitLinks } from "./links.js";

function link({ text, href }) {
  // A new tab keeps the chat where it is; noopener stops the linked page reaching back into
  // this one. The hidden words tell screen reader users that a tab will open.
  return el(
    "a",
    { href, target: "_blank", rel: "noopener noreferrer" },
    text,
    visuallyHidden(" (opens in a new tab)"),
  );
}

export function messageElement(message) {
  const fromBot = message.from === "bot";
  const text = el("p", { class: "message-text" });
  if (fromBot) {
    for (const piece of splitLinks(message.text)) text.append(piece.href ? link(piece) : piece.text);
  } else {
    text.append(message.text);
  }
  // Who said it is shown by position and colour; the hidden words say it to screen readers.
  return el(
    "div",
    { class: `message from-${message.from}` },
    visuallyHidden(fromBot ? "The assistant said: " : "You said: "),
    text,
  );
}

// What a screen reader announces for a new message from the assistant.
export function announcement(message) {
  if (message.buttons.length === 0) return message.text;
  return `${message.text} (There are buttons below to choose from.)`.trim();
}
