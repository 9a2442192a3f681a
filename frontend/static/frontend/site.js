// Progressive enhancement: live thread updates, presence, typing, drafts
// and notification counts. Every page works without this file.
//
// Words come from Django's JavaScript catalogue (/jsi18n/, loaded before this
// module): gettext(), ngettext() and interpolate() are its globals.

const csrfToken = () => document.querySelector("input[name=csrfmiddlewaretoken]")?.value ?? "";

function post(url, data) {
  return fetch(url, {
    method: "POST",
    headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
    body: new URLSearchParams(data),
    credentials: "same-origin",
  });
}

function announce(text) {
  const region = document.getElementById("live-announcer");
  if (!region) return;
  region.textContent = "";
  window.setTimeout(() => { region.textContent = text; }, 50);
}

function fromHTML(html) {
  const template = document.createElement("template");
  template.innerHTML = html.trim();
  return template.content.firstElementChild;
}

class LiveConnection {
  constructor(url) {
    this.url = url;
    this.handlers = new Map();
    this.threads = new Map(); // thread id -> last seq seen
    this.resyncing = new Set(); // threads asked again after a gap
    this.retry = 500;
    this.open();
  }

  on(type, handler) { this.handlers.set(type, handler); }

  open() {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    this.socket = new WebSocket(`${scheme}://${window.location.host}${this.url}`);
    this.socket.addEventListener("open", () => {
      this.retry = 500;
      for (const [thread, seq] of this.threads) this.send({ type: "subscribe", thread, after: seq });
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
      this.handlers.get(event.type)?.(event);
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

  subscribe(thread, seq) {
    this.threads.set(thread, seq);
    this.send({ type: "subscribe", thread, after: seq });
  }
}

function setUnread(count) {
  const badge = document.querySelector("[data-unread-count]");
  if (!badge) return;
  badge.textContent = String(count);
  badge.hidden = count === 0;
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
      post(`/forum/t/${thread}/read/`, { number: readNumber });
    }, 2000 + Math.random() * 8000);
  };
  document.addEventListener("visibilitychange", () => markRead(readNumber));

  // A deleted or hidden post arrives as a tombstone: no text, no author.
  const removePost = (current) => {
    for (const part of current.querySelectorAll(".post-body, .reply-to, .attachments, [data-reactions], .post-controls, .edited")) {
      part.remove();
    }
    current.classList.add("is-deleted");
    const note = document.createElement("p");
    note.className = "post-body muted";
    note.textContent = gettext("This post is no longer shown.");
    current.append(note);
  };

  const replacePost = (event) => {
    const current = posts.querySelector(`[data-post-id="${event.post}"]`);
    if (!current) return;
    if (event.gone) {
      removePost(current);
      return;
    }
    const fresh = fromHTML(event.html);
    const controls = current.querySelector(".post-controls");
    if (controls && !fresh.classList.contains("is-deleted")) fresh.append(controls);
    current.replaceWith(fresh);
    if (!controls && !fresh.classList.contains("is-deleted")) addControls(fresh, posts);
  };

  live.on("post.created", (event) => {
    if (!onLastPage) return;
    if (event.gone || posts.querySelector(`[data-post-id="${event.post}"]`)) return;
    const element = fromHTML(event.html);
    addControls(element, posts);
    posts.append(element);
    const author = element.querySelector(".post-author")?.textContent?.trim() ?? "";
    announce(interpolate(gettext("New post by %(name)s"), { name: author }, true));
    markRead(event.number);
  });
  live.on("post.edited", replacePost);
  live.on("post.deleted", replacePost);
  live.on("post.reactions", (event) => {
    if (event.gone) return;
    const box = posts.querySelector(`[data-post-id="${event.post}"] [data-reactions]`);
    if (!box) return;
    box.replaceChildren(...Object.entries(event.counts).map(([kind, count]) => {
      const span = document.createElement("span");
      span.className = "reaction-count";
      span.dataset.kind = kind;
      const symbol = document.querySelector(`button.reaction[data-kind="${kind}"]`)?.textContent ?? kind;
      span.textContent = `${symbol.trim()} ${count}`;
      return span;
    }));
  });
  live.on("thread.updated", () => {});
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
  live.on("typing", (event) => {
    if (!typing) return;
    typing.textContent = interpolate(gettext("%(name)s is writing…"), { name: event.name }, true);
    window.clearTimeout(typingTimer);
    typingTimer = window.setTimeout(() => { typing.textContent = ""; }, 5000);
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
        if (!onLastPage) window.location.assign(form.action.replace("/reply/", "/?page=last"));
      } else {
        form.submit(); // the server renders the errors and keeps the text
      }
    } finally {
      button.disabled = false;
    }
  });
}

function bindInlineForms(root) {
  for (const form of root.querySelectorAll("form[data-inline]")) {
    form.addEventListener("submit", async (submit) => {
      submit.preventDefault();
      await fetch(form.action, {
        method: "POST",
        headers: { Accept: "application/json" },
        body: new FormData(form),
        credentials: "same-origin",
      });
    });
  }
  for (const button of root.querySelectorAll("button.reaction")) {
    button.dataset.kind = button.closest("form")?.querySelector("input[name=kind]")?.value ?? "";
  }
}

function setupInlineForms() {
  bindInlineForms(document);
}

// A post that arrives live is rendered once for every viewer; this viewer's
// controls are made from those of a post already on the page.
function addControls(element, posts) {
  const me = document.body.dataset.userId;
  const mine = element.dataset.authorId === me;
  const candidates = [...posts.querySelectorAll("[data-post-id] > .post-controls")];
  const model = candidates.find((c) => (c.closest("[data-post-id]").dataset.authorId === me) === mine)
    ?? candidates[0];
  if (!model) return;
  const source = model.closest("[data-post-id]");
  const controls = model.cloneNode(true);
  const from = `/p/${source.dataset.postId}/`;
  const to = `/p/${element.dataset.postId}/`;
  for (const node of controls.querySelectorAll("[href], [action]")) {
    for (const attribute of ["href", "action"]) {
      const value = node.getAttribute(attribute);
      if (value) node.setAttribute(attribute, value.replace(from, to).replace(`reply_to=${source.dataset.postId}`, `reply_to=${element.dataset.postId}`));
    }
  }
  for (const link of controls.querySelectorAll("a[href$='/edit/'], a[href$='/delete/']")) {
    if (!mine && !document.body.dataset.moderator) link.remove();
  }
  for (const link of controls.querySelectorAll("a[href$='/flag/']")) {
    if (mine) link.remove();
  }
  element.append(controls);
  bindInlineForms(controls);
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

const body = document.body;
setupSimilarNeeds();
setupInlineForms();
setupSuggestions();
if (body.dataset.liveUrl) {
  const live = new LiveConnection(body.dataset.liveUrl);
  live.on("notifications.count", (event) => setUnread(event.unread));
  setupThread(live);
  window.openCitiesLive = live;
}
