// Progressive enhancement: live thread updates, presence, typing, drafts
// and notification counts. Every page works without this file.
//
// Words come from Django's JavaScript catalogue (/jsi18n/, loaded before this
// module): gettext(), ngettext() and interpolate() are its globals.

import { setupCombobox } from "./combobox.js";
import { Announcer, enhance, setupLiveThread } from "./thread.js";
import { setupLiveList } from "./thread_list.js";

const csrfToken = () => document.querySelector("input[name=csrfmiddlewaretoken]")?.value ?? "";

function post(url, data) {
  return fetch(url, {
    method: "POST",
    headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
    body: new URLSearchParams(data),
    credentials: "same-origin",
  });
}

class LiveConnection {
  constructor(url) {
    this.url = url;
    this.handlers = new Map();
    this.threads = new Map(); // thread id -> last seq seen
    this.resyncing = new Set(); // threads asked again after a gap
    this.list = undefined; // the thread list watched: { category }
    this.retry = 500;
    this.open();
  }

  // Several parts of a page may listen for one type (the thread's posts, the typing line).
  on(type, handler) { this.handlers.set(type, [...(this.handlers.get(type) ?? []), handler]); }

  open() {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    this.socket = new WebSocket(`${scheme}://${window.location.host}${this.url}`);
    this.socket.addEventListener("open", () => {
      this.retry = 500;
      for (const [thread, seq] of this.threads) this.send({ type: "subscribe", thread, after: seq });
      if (this.list) this.send({ type: "watch_list", ...this.list });
      this.pinger = window.setInterval(() => this.send({ type: "ping" }), 30000);
    });
    this.socket.addEventListener("message", (message) => {
      let event;
      try { event = JSON.parse(message.data); } catch { return; }
      if (event.type === "subscribed") this.resyncing.delete(event.thread);
      if (event.type === "reload") {
        // The events missed are older than the server keeps: start afresh.
        window.location.reload();
        return;
      }
      if (event.seq !== undefined && event.thread !== undefined && event.type !== "subscribed") {
        const last = this.threads.get(event.thread) ?? 0;
        if (event.seq <= last) return; // seen already
        if (event.seq > last + 1) {
          // An event in between was lost: ask for everything after the last one seen.
          if (!this.resyncing.has(event.thread)) {
            this.resyncing.add(event.thread);
            this.send({ type: "subscribe", thread: event.thread, after: last });
          }
          return;
        }
        this.threads.set(event.thread, event.seq);
      }
      for (const handler of this.handlers.get(event.type) ?? []) handler(event);
    });
    this.socket.addEventListener("close", (close) => {
      window.clearInterval(this.pinger);
      if (close.code === 4401 || close.code === 4403) return;
      window.setTimeout(() => this.open(), this.retry);
      this.retry = Math.min(this.retry * 2, 15000);
    });
  }

  send(message) {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  watchList(category) {
    this.list = { category };
    this.send({ type: "watch_list", category });
  }

  subscribe(thread, seq) {
    this.threads.set(thread, seq);
    this.send({ type: "subscribe", thread, after: seq });
  }
}

function setUnread(count) {
  // One badge in the menu, one on the menu button of narrow screens. The
  // badges are hidden from screen readers; the link's hidden words say it.
  for (const badge of document.querySelectorAll("[data-unread-count]")) {
    badge.textContent = String(count);
    badge.hidden = count === 0;
  }
  for (const label of document.querySelectorAll("[data-unread-label]")) {
    label.textContent = count === 0 ? "" : `, ${interpolate(ngettext("%(counter)s unread", "%(counter)s unread", count), { counter: count }, true)}`;
  }
}

// A form sent back with errors: take the reader to the first field to fix (or
// to the form's own error), so a phone does not leave it off screen with the
// focus nowhere.
function focusFirstError() {
  const problem = document.querySelector("form .field.has-error, form .form-errors");
  if (!problem) return;
  const field = problem.classList.contains("form-errors")
    ? problem
    : problem.querySelector("input:not([type=hidden]), select, textarea");
  if (!field) return;
  if (field === problem) problem.tabIndex = -1;
  field.focus();
  problem.scrollIntoView({ block: "center" });
}

// The menu is a disclosure on narrow screens; on wide ones it is always open.
function setupSiteMenu() {
  const menu = document.querySelector("[data-site-menu]");
  if (!menu) return;
  const wide = window.matchMedia("(min-width: 70rem)");
  const follow = () => { menu.open = wide.matches; };
  follow();
  wide.addEventListener("change", follow);
}

function setupThread(live) {
  const posts = document.getElementById("posts");
  if (!posts) return;
  const thread = Number(posts.dataset.threadId);
  const onLastPage = posts.dataset.onLastPage === "1";
  const presence = document.querySelector("[data-presence]");
  const typing = document.querySelector("[data-typing]");
  let typingTimer;

  // Read marks go out at most one per few seconds, at a random moment within
  // them, so a post to a thread with a thousand viewers is not followed by a
  // thousand requests at once.
  let readNumber = 0;
  let sentNumber = 0;
  let readTimer;
  const markRead = (number) => {
    readNumber = Math.max(readNumber, number);
    if (readTimer || readNumber <= sentNumber || document.visibilityState !== "visible") return;
    readTimer = window.setTimeout(() => {
      readTimer = undefined;
      sentNumber = readNumber;
      post(posts.dataset.readUrl, { number: readNumber });
    }, 2000 + Math.random() * 8000);
  };
  document.addEventListener("visibilitychange", () => markRead(readNumber));

  setupLiveThread(live, {
    posts,
    markRead,
    announcer: new Announcer(document.getElementById("live-announcer")),
  });
  live.on("presence", (event) => {
    if (!presence) return;
    const count = event.count ?? event.viewers.length;
    const others = count - event.viewers.length;
    presence.hidden = count === 0;
    const named = event.viewers.join(", ");
    let who = named;
    if (others > 0) {
      who = named
        ? interpolate(ngettext("%(names)s and %(count)s other", "%(names)s and %(count)s others", others), { names: named, count: others }, true)
        : interpolate(ngettext("%(count)s person", "%(count)s people", others), { count: others }, true);
    }
    presence.textContent = interpolate(gettext("Reading now: %(who)s"), { who }, true);
  });
  let typist;
  const typingEnds = () => {
    window.clearTimeout(typingTimer);
    typing.textContent = "";
    typist = undefined;
  };
  live.on("typing", (event) => {
    if (!typing) return;
    typing.textContent = interpolate(gettext("%(name)s is writing…"), { name: event.name }, true);
    typist = event.user;
    window.clearTimeout(typingTimer);
    typingTimer = window.setTimeout(typingEnds, 5000);
  });
  // Whoever was writing has sent it: their post, not "is writing…", is what is new.
  live.on("post.created", (event) => {
    if (typing && typist !== undefined && event.author === typist) typingEnds();
  });
  live.subscribe(thread, Number(posts.dataset.lastSeq));

  const form = document.querySelector("[data-reply-form]");
  const textarea = form?.querySelector("textarea");
  if (!form || !textarea) return;
  let draftTimer;
  let lastTyping = 0;
  textarea.addEventListener("input", () => {
    const now = Date.now();
    if (now - lastTyping > 3000) {
      lastTyping = now;
      live.send({ type: "typing", thread });
    }
    window.clearTimeout(draftTimer);
    draftTimer = window.setTimeout(() => post(form.dataset.draftUrl, { body: textarea.value }), 1500);
  });
  form.addEventListener("submit", async (submit) => {
    if (form.querySelector("input[type=file]")?.files.length) return; // let the browser upload
    submit.preventDefault();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const response = await fetch(form.action, {
        method: "POST",
        headers: { Accept: "application/json" },
        body: new FormData(form),
        credentials: "same-origin",
      });
      if (response.ok) {
        textarea.value = "";
        form.querySelector(".field-errors")?.remove();
        if (!onLastPage) window.location.assign(form.dataset.lastPageUrl);
      } else {
        form.submit(); // the server renders the errors and keeps the text
      }
    } finally {
      button.disabled = false;
    }
  });
}

function setupSuggestions() {
  const input = document.querySelector("input[data-suggest-url]");
  if (!input) return;
  const list = document.createElement("ul");
  list.id = "search-suggestions";
  list.className = "suggestions";
  list.setAttribute("role", "listbox");
  list.hidden = true;
  input.setAttribute("aria-controls", list.id);
  input.setAttribute("aria-autocomplete", "list");
  input.after(list);
  let timer;
  input.addEventListener("input", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(async () => {
      if (input.value.trim().length < 2) { list.hidden = true; return; }
      const response = await fetch(`${input.dataset.suggestUrl}?q=${encodeURIComponent(input.value)}`);
      if (!response.ok) return; // over the rate limit: keep the list as it is
      const data = await response.json();
      list.replaceChildren(...data.results.map((result) => {
        const item = document.createElement("li");
        item.setAttribute("role", "option");
        const link = document.createElement("a");
        link.href = result.url;
        link.textContent = result.title;
        item.append(link);
        return item;
      }));
      list.hidden = data.results.length === 0;
    }, 200);
  });
}

function setupSimilarNeeds() {
  const form = document.querySelector("form[data-similar-url]");
  if (!form) return;
  const box = form.querySelector("[data-similar]");
  const list = box?.querySelector("ul");
  const title = form.querySelector("#id_title");
  const problem = form.querySelector("#id_problem");
  if (!box || !list || !title) return;
  // The hints belong right under the title being typed, not at the end of the form.
  (title.closest(".field") ?? title).after(box);
  let timer;
  const look = () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(async () => {
      const query = new URLSearchParams({ title: title.value, problem: problem?.value ?? "" });
      if (form.dataset.exclude) query.set("exclude", form.dataset.exclude);
      const response = await fetch(`${form.dataset.similarUrl}?${query}`);
      if (!response.ok) return;
      const data = await response.json();
      list.replaceChildren(...data.results.map((result) => {
        const item = document.createElement("li");
        const link = document.createElement("a");
        link.href = result.url;
        link.textContent = result.title;
        item.append(link);
        return item;
      }));
      box.hidden = data.results.length === 0;
    }, 400);
  };
  title.addEventListener("input", look);
  problem?.addEventListener("input", look);
}

// The agenda's need picker: needs awaiting decision, searched as the number or
// title is typed. Without it the field takes a need's number as typed.
function setupNeedPicker() {
  const form = document.querySelector("form[data-need-search-url]");
  const field = form?.querySelector("input[data-need-combobox]");
  if (!field) return;
  setupCombobox(field, {
    url: form.dataset.needSearchUrl,
    id: `${field.id}-options`,
    label: form.dataset.needOptionsLabel,
    query: () => ({ query: field.value.trim() }),
    option: (result) => ({ name: result.label, detail: `${result.organisation} · ${result.status}` }),
    choose: (result) => {
      field.value = result.label;
      return interpolate(gettext("Chosen: %(need)s"), { need: result.label }, true);
    },
  });
  // The need field belongs to an item about a need only.
  const kind = form.querySelector("select[name$=kind]");
  const box = field.closest(".field");
  if (kind && box) {
    const toggle = () => { box.hidden = kind.value !== "need"; };
    kind.addEventListener("change", toggle);
    toggle();
  }
}

const body = document.body;
setupSiteMenu();
focusFirstError();
setupNeedPicker();
setupSimilarNeeds();
setupSuggestions();
if (body.dataset.liveUrl) {
  const live = new LiveConnection(body.dataset.liveUrl);
  live.on("notifications.count", (event) => setUnread(event.unread));
  setupThread(live);
  const list = document.querySelector("[data-live-list]");
  if (list) setupLiveList(live, list, document.getElementById("live-announcer"));
  window.openCitiesLive = live;
}
// Menus, toolbars and inline forms of whatever the live thread did not take.
enhance(document);
