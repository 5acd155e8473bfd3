// Web addresses in the assistant's text, so the view can show them as links. Only http and
// https addresses become links: never javascript:, data: or anything else.

const ADDRESS = /\bhttps?:\/\/[^\s<>"']+/gi;
// Punctuation that ends the sentence rather than the address: "see https://example.org."
const TRAILING = /[.,;:!?'")\]]+$/;

export function safeHref(address) {
  try {
    const url = new URL(address);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

// The text in pieces: [{ text }] for plain text, [{ text, href }] for a link.
export function splitLinks(text) {
  const pieces = [];
  let done = 0;
  for (const match of text.matchAll(ADDRESS)) {
    const address = match[0].replace(TRAILING, "");
    const href = safeHref(address);
    if (!href) continue;
    if (match.index > done) pieces.push({ text: text.slice(done, match.index) });
    pieces.push({ text: address, href });
    done = match.index + address.length;
  }
  if (done < text.length) pieces.push({ text: text.slice(done) });
  return pieces;
}
