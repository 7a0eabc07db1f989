// Opens a mailed link as a browser would, in node: fetches the page at the link's path (the fragment
// is never sent), runs its own inline script against a minimal DOM, and clicks its button if asked.
// Usage: node driver.mjs <link> [click]. Prints JSON: what the page showed, the requests it made.
import vm from "node:vm";

const [link, click] = process.argv.slice(2);
const url = new URL(link);
const answer = await fetch(url.origin + url.pathname, { headers: { Accept: "text/html" } });
const html = await answer.text();
const script = html.match(/<script>([\s\S]*)<\/script>/)[1];
const act = html.match(/data-act="(\w+)"/)[1];

let renders = 0;
class El {
  constructor(tag) { this.tag = tag; this.children = []; this.text = ""; this.attrs = {}; this.listeners = {}; }
  set textContent(value) { this.text = value; this.children = []; if (this.tag === "main") renders += 1; }
  get textContent() { return this.text + this.children.map((c) => c.textContent).join(""); }
  appendChild(child) { this.children.push(child); }
  getAttribute(name) { return name in this.attrs ? this.attrs[name] : null; }
  addEventListener(event, listener) { this.listeners[event] = listener; }
}
const main = new El("main");
main.attrs["data-act"] = act;
const document = { title: "", getElementById: (id) => (id === "page" ? main : null), createElement: (t) => new El(t) };
const location = { pathname: url.pathname, hash: url.hash, search: "" };
let addressBar = url.href;
const history = { replaceState: (_s, _t, to) => { addressBar = new URL(to, url).href; } };
const requests = [];
const browserFetch = (path, init) => {
  requests.push({ path, body: init.body, method: init.method });
  const { cache, referrerPolicy, ...rest } = init; // node's fetch lacks a cache; nothing is cached here
  return fetch(url.origin + path, rest);
};

async function rendered(after) {
  for (let i = 0; i < 250 && renders <= after; i++) await new Promise((r) => setTimeout(r, 20));
}
const snapshot = () => main.children.map((c) => ({ tag: c.tag, text: c.textContent }));

vm.runInNewContext(script, { document, location, history, fetch: browserFetch, JSON });
await rendered(0);
const shown = [snapshot()];
if (click) {
  const button = main.children.find((c) => c.tag === "button");
  if (button) {
    const before = renders;
    button.listeners.click();
    await rendered(before);
    shown.push(snapshot());
  }
}
console.log(JSON.stringify({ shown, requests, addressBar, title: document.title }));
