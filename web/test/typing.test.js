import assert from "node:assert/strict";
import { test } from "node:test";

import { createTyping, SLOW_REPLY } from "../src/typing.js";

function fakeView() {
  return {
    typing: false,
    status: "",
    setTyping(on) {
      this.typing = on;
    },
    setStatus(text) {
      this.status = text;
    },
  };
}

test("the dots stay while replies come, and go at buttons or after a quiet moment", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const view = fakeView();
  const typing = createTyping(view, { settleMs: 100, patienceMs: 1000 });
  typing.waiting();
  assert.equal(view.typing, true);
  typing.replied({ buttons: [] });
  t.mock.timers.tick(50);
  assert.equal(view.typing, true);
  t.mock.timers.tick(60);
  assert.equal(view.typing, false);
  typing.waiting();
  typing.replied({ buttons: [{ title: "Yes", payload: "/affirm" }] });
  assert.equal(view.typing, false);
});

test("no reply at all: the resident is told", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const view = fakeView();
  createTyping(view, { settleMs: 100, patienceMs: 1000 }).waiting();
  t.mock.timers.tick(1000);
  assert.equal(view.typing, false);
  assert.equal(view.status, SLOW_REPLY);
});
