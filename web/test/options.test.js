import assert from "node:assert/strict";
import { test } from "node:test";

import { DEFAULTS, readOptions } from "../src/options.js";

test("the server URL is required and must be http or https", (t) => {
  t.mock.method(console, "error", () => {});
  assert.equal(readOptions({}, "https://page.example/"), null);
  assert.equal(readOptions({ serverUrl: "javascript:alert(1)" }, "https://page.example/"), null);
  assert.equal(console.error.mock.callCount(), 2);
});

test("attributes are read, with plain defaults", () => {
  assert.deepEqual(readOptions({ serverUrl: "https://rasa.example" }, "https://page.example/"), {
    serverUrl: "https://rasa.example/",
    startPayload: "",
    title: DEFAULTS.title,
    buttonText: DEFAULTS.buttonText,
  });
  const options = readOptions(
    { serverUrl: "/rasa", startPayload: "/greet", title: "T", buttonText: "B" },
    "https://page.example/consult/",
  );
  assert.equal(options.serverUrl, "https://page.example/rasa");
  assert.equal(options.startPayload, "/greet");
});
