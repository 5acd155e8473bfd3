// The chat widget. A web page embeds it with one tag (see options.js for the attributes):
//   <script src="https://…/static/widget.js" data-server-url="https://…" defer></script>
//
// The widget lives in a shadow root, so the page's styles cannot change it and its styles
// cannot change the page.

import { startChat } from "./chat.js";
import { readOptions } from "./options.js";
import css from "./widget.css";

// Only available while this script first runs, so read it now.
const script = document.currentScript;

function addStyles(root) {
  // A constructed stylesheet is not inline style, so pages with a strict
  // Content-Security-Policy (style-src 'self') still style the widget.
  if ("adoptedStyleSheets" in Document.prototype && "replaceSync" in CSSStyleSheet.prototype) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
  } else {
    const style = document.createElement("style");
    style.textContent = css;
    root.append(style);
  }
}

function mount() {
  const options = readOptions(script?.dataset ?? {}, document.baseURI);
  if (!options) return;
  // A custom element name, so the page's rules for div and the like do not reach it.
  const host = document.createElement("consult-chat");
  host.setAttribute("lang", "en-GB");
  const root = host.attachShadow({ mode: "open" });
  addStyles(root);
  document.body.append(host);
  startChat(options, root);
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", mount, { once: true });
} else {
  mount();
}
