import assert from "node:assert/strict";
import { test } from "node:test";

import { fromResident } from "../src/messages.js";
import { ChatStore, MAX_MESSAGES } from "../src/storage.js";

function memoryStorage() {
  const items = new Map();
  return {
    items,
    getItem: (key) => (items.has(key) ? items.get(key) : null),
    setItem: (key, value) => items.set(key, String(value)),
    removeItem: (key) => items.delete(key),
  };
}

test("a session, its messages and the open state survive a reload", () => {
  const storage = memoryStorage();
  const store = new ChatStore("k", storage);
  store.startSession("a".repeat(32));
  store.setOpen(true);
  store.add(fromResident("hello"));
  const again = new ChatStore("k", storage);
  assert.equal(again.sessionId, "a".repeat(32));
  assert.equal(again.open, true);
  assert.deepEqual(again.messages, [fromResident("hello")]);
});

test("a new session starts with no messages", () => {
  const store = new ChatStore("k", memoryStorage());
  store.startSession("one");
  store.add(fromResident("hello"));
  store.startSession("two");
  assert.deepEqual(store.messages, []);
});

test("only the latest messages are kept", () => {
  const store = new ChatStore("k", memoryStorage());
  store.startSession("s");
  for (let i = 0; i < MAX_MESSAGES + 5; i++) store.add(fromResident(String(i)));
  assert.equal(store.messages.length, MAX_MESSAGES);
  assert.equal(store.messages[0].text, "5");
});

test("unreadable or tampered storage starts afresh, dropping bad messages", () => {
  const storage = memoryStorage();
  storage.setItem("k", "{not json");
  assert.equal(new ChatStore("k", storage).sessionId, null);
  storage.setItem(
    "k",
    JSON.stringify({ version: 1, sessionId: "s", messages: [{ from: "bot", text: 1 }, fromResident("ok")] }),
  );
  assert.deepEqual(new ChatStore("k", storage).messages, [fromResident("ok")]);
});

test("blocked or full storage does not stop the chat", () => {
  const broken = {
    getItem() {
      throw new Error("blocked");
    },
    setItem() {
      throw new Error("full");
    },
    removeItem() {
      throw new Error("blocked");
    },
  };
  const store = new ChatStore("k", broken);
  store.startSession("s");
  store.add(fromResident("hello"));
  store.forget();
  assert.equal(new ChatStore("k", null).sessionId, null);
});

test("forgetting removes everything", () => {
  const storage = memoryStorage();
  const store = new ChatStore("k", storage);
  store.startSession("s");
  store.forget();
  assert.equal(storage.items.size, 0);
  assert.equal(store.sessionId, null);
});
