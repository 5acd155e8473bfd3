import assert from "node:assert/strict";
import { test } from "node:test";

import { fromRasa, fromResident, isMessage, openButtons } from "../src/messages.js";

test("a reply with quick replies keeps their titles and payloads only", () => {
  const reply = {
    text: "Are you happy?",
    quick_replies: [
      { content_type: "text", title: "Yes", payload: "/affirm" },
      { title: 7, payload: "/bad" },
      null,
    ],
  };
  assert.deepEqual(fromRasa(reply), {
    from: "bot",
    text: "Are you happy?",
    buttons: [{ title: "Yes", payload: "/affirm" }],
  });
});

test("a reply with nothing to show is dropped", () => {
  for (const reply of [null, "text", {}, { text: 3 }, { attachment: { type: "image" } }]) {
    assert.equal(fromRasa(reply), null);
  }
});

test("stored values are checked before use", () => {
  assert.ok(isMessage(fromResident("hello")));
  assert.ok(!isMessage({ from: "admin", text: "x", buttons: [] }));
  assert.ok(!isMessage({ from: "bot", text: "x", buttons: [{ title: "t" }] }));
  assert.ok(!isMessage(null));
});

test("open buttons are those since the resident last spoke", () => {
  const ask = { from: "bot", text: "Q?", buttons: [{ title: "A", payload: "/a" }] };
  const hint = { from: "bot", text: "Say 'help'", buttons: [] };
  assert.deepEqual(openButtons([ask, hint]), ask.buttons);
  assert.deepEqual(openButtons([ask, fromResident("A")]), []);
  assert.deepEqual(openButtons([]), []);
});
