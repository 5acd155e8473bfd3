// Building elements with DOM APIs only. Text always goes in as textContent or text nodes,
// never as HTML, so nothing the assistant or a resident writes can become markup.

// el("button", { type: "button", class: "send" }, "Send", otherElement)
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === true) node.setAttribute(name, "");
    else if (value !== false && value != null) node.setAttribute(name, String(value));
  }
  node.append(...children); // strings become text nodes
  return node;
}

export function visuallyHidden(text) {
  return el("span", { class: "visually-hidden" }, text);
}
