// A thread page kept current: posts and thread changes arrive as the server
// renders them for this viewer (forum:thread_fragments), so the controls a
// viewer gets are always the server's answer and the words are in the
// viewer's language. Nothing here decides who may do what.
//
// Words come from Django's JavaScript catalogue (gettext, ngettext, interpolate).

export function fromHTML(html) {
  const template = document.createElement("template");
  template.innerHTML = html.trim();
  return template.content.firstElementChild;
}

// What a burst of new posts is called: "New post by Liisa", "3 new posts".
export function postWords(count, names) {
  return count === 1 && names.size === 1
    ? interpolate(gettext("New post by %(name)s"), { name: [...names][0] }, true)
    : interpolate(ngettext("%(count)s new post", "%(count)s new posts", count), { count }, true);
}

// Screen readers hear what arrives once per burst: "3 new posts", not three
// announcements. The region is the page's one polite live region.
export class Announcer {
  constructor(region, { delay = 1500, words = postWords } = {}) {
    this.region = region;
    this.delay = delay;
    this.words = words;
    this.count = 0;
    this.names = new Set();
    this.timer = undefined;
  }

  post(name) {
    this.count += 1;
    if (name) this.names.add(name);
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => this.flush(), this.delay);
  }

  flush() {
    if (!this.region || this.count === 0) return;
    const text = this.words(this.count, this.names);
    this.count = 0;
    this.names.clear();
    this.region.textContent = text;
  }
}

// Secondary actions sit in <details> menus: they work without JavaScript;
// this adds arrow keys, Escape (focus back on the button) and closing on
// a click elsewhere or when another menu opens.
export function setupMenus(root) {
  for (const menu of root.querySelectorAll("details[data-menu]")) {
    if (menu.dataset.menuReady) continue;
    menu.dataset.menuReady = "1";
    const summary = menu.querySelector("summary");
    summary.setAttribute("aria-haspopup", "true");
    const sync = () => summary.setAttribute("aria-expanded", menu.open ? "true" : "false");
    sync();
    const items = () => [...menu.querySelectorAll(".menu-items a, .menu-items button")];
    menu.addEventListener("toggle", () => {
      sync();
      if (!menu.open) return;
      for (const other of document.querySelectorAll("details[data-menu][open]")) {
        if (other !== menu) other.open = false;
      }
    });
    summary.addEventListener("keydown", (event) => {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        event.stopPropagation();
        menu.open = true;
        const list = items();
        (event.key === "ArrowDown" ? list[0] : list.at(-1))?.focus();
      }
    });
    menu.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && menu.open) {
        event.preventDefault();
        event.stopPropagation();
        menu.open = false;
        summary.focus();
        return;
      }
      const list = items();
      const at = list.indexOf(document.activeElement);
      if (at < 0) return;
      let next;
      if (event.key === "ArrowDown") next = list[(at + 1) % list.length];
      else if (event.key === "ArrowUp") next = list[(at - 1 + list.length) % list.length];
      else if (event.key === "Home") next = list[0];
      else if (event.key === "End") next = list.at(-1);
      if (next) {
        event.preventDefault();
        event.stopPropagation();
        next.focus();
      }
    });
  }
}

document.addEventListener("click", (event) => {
  for (const menu of document.querySelectorAll("details[data-menu][open]")) {
    if (!menu.contains(event.target)) menu.open = false;
  }
});

// A post's reactions, reply and menus are one toolbar: one tab stop, arrow
// keys move inside (WAI-ARIA toolbar pattern with a roving tabindex).
export function setupToolbars(root) {
  for (const toolbar of root.querySelectorAll("[data-post-actions]")) {
    if (toolbar.dataset.toolbarReady) continue;
    toolbar.dataset.toolbarReady = "1";
    const stops = () => [...toolbar.querySelectorAll(
      ":scope > .reaction-chip .reaction-count, :scope > a, :scope > form > button, :scope > details > summary",
    )];
    const focusOn = (target) => {
      for (const stop of stops()) stop.tabIndex = stop === target ? 0 : -1;
      target.focus();
    };
    const list = stops();
    list.forEach((stop, index) => { stop.tabIndex = index === 0 ? 0 : -1; });
    toolbar.addEventListener("focusin", (event) => {
      if (stops().includes(event.target)) {
        for (const stop of stops()) stop.tabIndex = stop === event.target ? 0 : -1;
      }
    });
    toolbar.addEventListener("keydown", (event) => {
      const all = stops();
      const at = all.indexOf(document.activeElement);
      if (at < 0) return;
      let next;
      if (event.key === "ArrowRight") next = all[(at + 1) % all.length];
      else if (event.key === "ArrowLeft") next = all[(at - 1 + all.length) % all.length];
      else if (event.key === "Home") next = all[0];
      else if (event.key === "End") next = all.at(-1);
      if (next) {
        event.preventDefault();
        focusOn(next);
      }
    });
  }
}

// Forms marked data-inline (reactions) are sent without leaving the page; the
// change comes back as a live event and the post is rendered again.
export function setupInlineForms(root, after) {
  for (const form of root.querySelectorAll("form[data-inline]")) {
    if (form.dataset.inlineReady) continue;
    form.dataset.inlineReady = "1";
    form.addEventListener("submit", async (submit) => {
      submit.preventDefault();
      const response = await fetch(form.action, {
        method: "POST",
        headers: { Accept: "application/json" },
        body: new FormData(form),
        credentials: "same-origin",
      });
      if (response.ok) after?.(form);
    });
  }
}

export function enhance(root, after) {
  setupMenus(root);
  setupToolbars(root);
  setupInlineForms(root, after);
}

// Replace an element, keeping the keyboard focus on the same control when the
// control still exists in the new rendering.
function replaceKeepingFocus(current, fresh) {
  const focused = current.contains(document.activeElement) ? document.activeElement : null;
  const key = focused?.dataset.action ?? focused?.closest("[data-kind]")?.dataset.kind;
  current.replaceWith(fresh);
  if (!focused) return;
  const again = (focused.dataset.action && fresh.querySelector(`[data-action="${focused.dataset.action}"]`))
    ?? (key && fresh.querySelector(`[data-kind="${key}"] button`))
    ?? fresh.querySelector("[data-post-actions] [tabindex='0']")
    ?? fresh;
  if (again === fresh && !fresh.hasAttribute("tabindex")) fresh.tabIndex = -1;
  again.focus();
}

export function setupLiveThread(live, { posts, markRead, announcer }) {
  const thread = Number(posts.dataset.threadId);
  const onLastPage = posts.dataset.onLastPage === "1";
  const url = posts.dataset.fragmentsUrl;
  const after = () => enhance(posts, (form) => refresh({ posts: [form.closest("[data-post-id]")?.dataset.postId] }));
  enhance(document, (form) => refresh({ posts: [form.closest("[data-post-id]")?.dataset.postId] }));

  // Requests are gathered for a moment, so a burst of events costs one request.
  let wanted = { posts: new Set(), after: false, state: false };
  let timer;
  const refresh = ({ posts: ids = [], newer = false, state = false }) => {
    for (const id of ids) if (id) wanted.posts.add(String(id));
    wanted.after ||= newer;
    wanted.state ||= state;
    window.clearTimeout(timer);
    timer = window.setTimeout(load, 100);
  };

  const lastNumber = () => {
    const numbers = [...posts.querySelectorAll("[data-post-number]")].map((p) => Number(p.dataset.postNumber));
    return Math.max(0, ...numbers);
  };

  async function load() {
    const asked = wanted;
    wanted = { posts: new Set(), after: false, state: false };
    if (asked.state) {
      // The posts on the page may have other controls now (lock, solution).
      for (const post of posts.querySelectorAll("[data-post-id]")) asked.posts.add(post.dataset.postId);
    }
    const query = new URLSearchParams();
    if (asked.posts.size) query.set("posts", [...asked.posts].join(","));
    if (asked.after && onLastPage) query.set("after", String(lastNumber()));
    if (asked.state) query.set("state", "1");
    if (![...query.keys()].length) return;
    const response = await fetch(`${url}?${query}`, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const data = await response.json();
    for (const item of data.posts) {
      const fresh = fromHTML(item.html);
      const current = posts.querySelector(`[data-post-id="${item.id}"]`);
      if (current) {
        replaceKeepingFocus(current, fresh);
      } else if (onLastPage && item.number > lastNumber()) {
        posts.append(fresh);
        announcer.post(fresh.querySelector(".post-author a")?.textContent?.trim());
        markRead(item.number);
      }
    }
    for (const [name, html] of Object.entries(data.state ?? {})) {
      const current = document.querySelector(`[data-thread-part="${name}"]`);
      const fresh = fromHTML(html);
      if (!current || !fresh) continue;
      // Keep what is being written: the reply form stays while replying stays allowed.
      if (name === "reply_area" && current.dataset.state === fresh.dataset.state) continue;
      replaceKeepingFocus(current, fresh);
    }
    after();
    document.dispatchEvent(new CustomEvent("thread:updated", { detail: { thread } }));
  }

  live.on("post.created", () => refresh({ newer: true }));
  for (const type of ["post.edited", "post.deleted", "post.reactions"]) {
    live.on(type, (event) => refresh({ posts: [event.post] }));
  }
  live.on("thread.updated", () => refresh({ state: true }));
  live.on("error", (event) => {
    if (event.code !== "forbidden" || event.thread !== thread) return;
    const notice = document.createElement("p");
    notice.className = "messages error";
    notice.setAttribute("role", "alert");
    notice.textContent = gettext("You can no longer read this thread.");
    posts.before(notice);
  });
  return refresh;
}
