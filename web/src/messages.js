// A message as the widget shows and stores it:
//   { from: "bot" | "you", text: "...", buttons: [{ title: "...", payload: "..." }] }
// Anything else the server sends is dropped, so the rest of the widget can trust this shape.

function isButton(value) {
  return typeof value?.title === "string" && typeof value?.payload === "string";
}

// A reply from Rasa's socket.io channel ({ text, quick_replies }), or null if it has nothing
// the widget can show (images and custom payloads are not used by this assistant).
export function fromRasa(data) {
  const text = typeof data?.text === "string" ? data.text : "";
  const replies = Array.isArray(data?.quick_replies) ? data.quick_replies : [];
  const buttons = replies.filter(isButton).map(({ title, payload }) => ({ title, payload }));
  if (!text && buttons.length === 0) return null;
  return { from: "bot", text, buttons };
}

export function fromResident(text) {
  return { from: "you", text, buttons: [] };
}

// Whether a value read back from storage is a message (storage can hold anything).
export function isMessage(value) {
  return (
    (value?.from === "bot" || value?.from === "you") &&
    typeof value.text === "string" &&
    Array.isArray(value.buttons) &&
    value.buttons.every(isButton)
  );
}

// The buttons still waiting for an answer: those of the latest bot message since the
// resident last said something.
export function openButtons(messages) {
  for (let i = messages.length - 1; i >= 0 && messages[i].from === "bot"; i--) {
    if (messages[i].buttons.length > 0) return messages[i].buttons;
  }
  return [];
}
