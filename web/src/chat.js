// The chat: ties the view, the connection and what this browser remembers together.

import { connect } from "./connection.js";
import { fromRasa, fromResident, openButtons } from "./messages.js";
import { browserStorage, ChatStore } from "./storage.js";
import { createTyping } from "./typing.js";
import { createView } from "./view.js";

const CONNECTION_STATUS = {
  connected: "",
  disconnected:
    "The chat has lost its connection. It will keep trying, and send your message when it is back.",
  unreachable: "Sorry, the chat cannot connect at the moment. It will keep trying.",
};
const FORGET_QUESTION =
  "Remove this chat from this device?\n\n" +
  "This does not delete your answers. To delete them, type 'delete my answers' in the chat first.";
const FORGOTTEN = "The chat has been removed from this device.";

export function startChat(options, root) {
  const store = new ChatStore(`consult-chat:${options.serverUrl}`, browserStorage());
  const view = createView(root, options, {
    onOpen: () => open({ focus: true }),
    onClose: close,
    // A button sends its payload, but the conversation shows its title: what the resident chose.
    onChoose: (button) => send(button.payload, button.title),
    onSend: (text) => send(text, text),
    onForget: forget,
  });
  const typing = createTyping(view);
  let connection = null;
  let greeted = false;

  const handlers = {
    onStatus: (state) => view.setStatus(CONNECTION_STATUS[state]),
    onSession(sessionId) {
      if (sessionId !== store.sessionId) {
        // A new conversation: the first visit, or the server no longer knows ours.
        store.startSession(sessionId);
        view.clearHistory();
      }
      if (store.messages.length === 0 && options.startPayload && !greeted) {
        greeted = true;
        connection.send(options.startPayload);
        typing.waiting();
      }
    },
    onMessage(data) {
      const message = fromRasa(data);
      if (!message) return;
      store.add(message);
      view.setStatus("");
      view.showMessage(message, { announce: true });
      view.showChoices(message.buttons);
      typing.replied(message);
    },
  };

  function open({ focus }) {
    view.open({ focus });
    store.setOpen(true);
    // Connect only when the chat is first opened: most visitors to a page never chat.
    connection ??= connect(options.serverUrl, store.sessionId, handlers);
  }

  function close() {
    view.close();
    store.setOpen(false);
  }

  function send(text, shown) {
    const message = fromResident(shown);
    store.add(message);
    view.clearChoices();
    view.showMessage(message, { announce: false });
    connection.send(text);
    typing.waiting();
  }

  function forget() {
    if (!window.confirm(FORGET_QUESTION)) return;
    connection?.close();
    connection = null;
    greeted = false;
    typing.stop();
    close();
    store.forget(); // after close(), which saves whether the chat is open
    view.clearHistory();
    view.setStatus("");
    view.announce(FORGOTTEN);
  }

  // What was said before a reload, shown again but not read out again.
  for (const message of store.messages) view.showMessage(message, { announce: false });
  view.showChoices(openButtons(store.messages));
  // Open again if it was open, without taking focus from wherever the page put it.
  if (store.open) open({ focus: false });
}
