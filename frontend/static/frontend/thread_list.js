// A thread list (the forum's index, a category) kept current as Discourse
// keeps its: new threads and new activity are counted in a banner, and
// pressing it loads the list again as the server renders it for this member.
// The server relays activity only of threads the member may read; nothing
// here decides who may see what.
//
// Words come from Django's JavaScript catalogue (gettext, ngettext, interpolate).

import { Announcer } from "./thread.js";

export const LIST_FRAGMENT = "X-Fragment";

function bannerWords(fresh, changed) {
  const count = fresh + changed;
  return changed === 0
    ? interpolate(ngettext("Show %(count)s new thread", "Show %(count)s new threads", count), { count }, true)
    : interpolate(ngettext("Show %(count)s new or updated thread", "Show %(count)s new or updated threads", count), { count }, true);
}

function announceWords(count) {
  return interpolate(ngettext("%(count)s new or updated thread", "%(count)s new or updated threads", count), { count }, true);
}

export function setupLiveList(live, area, region) {
  const category = area.dataset.category ? Number(area.dataset.category) : null;
  const fresh = new Set();
  const changed = new Set();
  const announcer = new Announcer(region, { words: announceWords });
  const banner = document.createElement("button");
  banner.type = "button";
  banner.className = "new-activity";
  banner.hidden = true;
  banner.dataset.newActivity = "";
  area.before(banner);

  const show = () => {
    banner.hidden = fresh.size + changed.size === 0;
    banner.textContent = bannerWords(fresh.size, changed.size);
  };

  live.on("thread.activity", (event) => {
    const known = fresh.has(event.thread) || changed.has(event.thread);
    if (event.new) {
      changed.delete(event.thread);
      fresh.add(event.thread);
    } else if (!fresh.has(event.thread)) {
      changed.add(event.thread);
    }
    show();
    if (!known) announcer.post();
  });

  banner.addEventListener("click", async () => {
    const response = await fetch(window.location.href, {
      credentials: "same-origin",
      headers: { [LIST_FRAGMENT]: "threads", Accept: "text/html" },
    });
    if (!response.ok) return;
    const template = document.createElement("template");
    template.innerHTML = (await response.text()).trim();
    const list = template.content.querySelector("[data-thread-list]");
    if (!list) return;
    const current = document.querySelector("[data-thread-list]");
    const ids = new Set([...fresh, ...changed].map(String));
    current.replaceWith(list);
    fresh.clear();
    changed.clear();
    show();
    for (const row of list.querySelectorAll("[data-thread-id]")) {
      if (ids.has(row.dataset.threadId)) row.classList.add("is-fresh");
    }
    // The banner is gone from under the keyboard: go on from the list's first thread.
    list.querySelector("a.thread-title")?.focus();
  });

  live.watchList(category);
}
