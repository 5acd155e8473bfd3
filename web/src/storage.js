// What the widget remembers in this browser: the session id, whether the chat was open, and
// what was said. Rasa's socket.io channel does not resend a conversation's history, so the
// widget keeps what it showed, to show it again after a reload. All under one localStorage
// key. If storage is blocked or full, the chat still works, for this page view only.

import { isMessage } from "./messages.js";

// Enough for the longest consultation, and far below the browser's storage limit.
export const MAX_MESSAGES = 300;

function empty() {
  return { version: 1, sessionId: null, open: false, messages: [] };
}

export function browserStorage() {
  try {
    return window.localStorage;
  } catch {
    return null; // blocked by the browser's settings
  }
}

export class ChatStore {
  constructor(key, storage) {
    this.key = key;
    this.storage = storage;
    this.state = this.load();
  }

  load() {
    try {
      const saved = JSON.parse(this.storage?.getItem(this.key) ?? "null");
      if (saved?.version === 1 && typeof saved.sessionId === "string") {
        const messages = Array.isArray(saved.messages) ? saved.messages.filter(isMessage) : [];
        return { ...empty(), sessionId: saved.sessionId, open: saved.open === true, messages };
      }
    } catch {
      // Unreadable: start afresh.
    }
    return empty();
  }

  save() {
    try {
      this.storage?.setItem(this.key, JSON.stringify(this.state));
    } catch {
      // Full or blocked: keep going without it.
    }
  }

  get sessionId() {
    return this.state.sessionId;
  }

  get messages() {
    return this.state.messages;
  }

  get open() {
    return this.state.open;
  }

  setOpen(open) {
    this.state.open = open;
    this.save();
  }

  // A conversation the server has just started: nothing said yet.
  startSession(sessionId) {
    this.state = { ...empty(), open: this.state.open, sessionId };
    this.save();
  }

  add(message) {
    this.state.messages.push(message);
    if (this.state.messages.length > MAX_MESSAGES) {
      this.state.messages.splice(0, this.state.messages.length - MAX_MESSAGES);
    }
    this.save();
  }

  forget() {
    this.state = empty();
    try {
      this.storage?.removeItem(this.key);
    } catch {
      // Blocked: nothing was kept.
    }
  }
}
