import assert from "node:assert/strict";
import { test } from "node:test";

import { safeHref, splitLinks } from "../src/links.js";

test("plain text stays one piece", () => {
  assert.deepEqual(splitLinks("No links here."), [{ text: "No links here." }]);
});

test("http and https addresses become links, without the sentence's punctuation", () => {
  assert.deepEqual(splitLinks("See https://example.org/plan. Or (http://a.example/x)!"), [
    { text: "See " },
    { text: "https://example.org/plan", href: "https://example.org/plan" },
    { text: ". Or (" },
    { text: "http://a.example/x", href: "http://a.example/x" },
    { text: ")!" },
  ]);
});

test("other schemes and addresses without a scheme stay text", () => {
  for (const text of ["javascript:alert(1)", "data:text/html,<b>x</b>", "www.example.org", "xhttps://a.b"]) {
    assert.deepEqual(splitLinks(text), [{ text }]);
  }
});

test("markup next to an address is not part of it", () => {
  assert.deepEqual(splitLinks('<a href="https://x.example">'), [
    { text: '<a href="' },
    { text: "https://x.example", href: "https://x.example/" },
    { text: '">' },
  ]);
});

test("safeHref accepts only http and https", () => {
  assert.equal(safeHref("https://example.org"), "https://example.org/");
  assert.equal(safeHref("javascript:alert(1)"), null);
  assert.equal(safeHref("not a url"), null);
});
