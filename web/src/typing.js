// The "assistant is typing" indicator. Rasa sends a turn's replies one at a time and never
// says "that is all", so the indicator stays on after each reply until one offers buttons
// (the assistant is waiting for an answer) or nothing more has come for a moment. If no
// reply comes at all, the resident is told, rather than left watching the dots.

const SETTLE_MS = 1500;
const PATIENCE_MS = 30000;
export const SLOW_REPLY =
  "This is taking longer than usual. Please wait a little, or send your message again.";

export function createTyping(view, { settleMs = SETTLE_MS, patienceMs = PATIENCE_MS } = {}) {
  let settleTimer = null;
  let patienceTimer = null;

  function stop() {
    clearTimeout(settleTimer);
    clearTimeout(patienceTimer);
    view.setTyping(false);
  }

  return {
    stop,

    waiting() {
      stop();
      view.setTyping(true);
      patienceTimer = setTimeout(() => {
        view.setTyping(false);
        view.setStatus(SLOW_REPLY);
      }, patienceMs);
    },

    replied(message) {
      clearTimeout(patienceTimer);
      clearTimeout(settleTimer);
      if (message.buttons.length > 0) stop();
      else settleTimer = setTimeout(stop, settleMs);
    },
  };
}
