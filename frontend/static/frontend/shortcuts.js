// Keyboard shortcuts on a thread page: j / k next and previous post, r reply,
// ? the help page (forum:keyboard_help, whose address the page gives). They
// never fire while the member is typing, nor with Ctrl, Alt or Meta held, so
// the browser's and the screen reader's own keys keep working.

const TYPING = "input, textarea, select, [contenteditable=''], [contenteditable='true']";

export function isTyping(target) {
  return Boolean(target && target.closest && target.closest(TYPING));
}

// At either end of the page the focus stays put and the reader hears why,
// with the way on when the thread continues on another page.
function announceEdge(root, last) {
  const announcer = root.getElementById("live-announcer");
  if (!announcer) return;
  const onward = root.querySelector(`.pagination a[rel=${last ? "next" : "prev"}]`);
  let words;
  if (last) {
    words = onward
      ? gettext("This is the last post on this page; the thread goes on on the next page.")
      : gettext("This is the last post of the thread.");
  } else {
    words = onward
      ? gettext("This is the first post on this page; earlier posts are on the previous page.")
      : gettext("This is the first post of the thread.");
  }
  announcer.textContent = words;
}

function focusPost(post) {
  if (!post) return;
  post.setAttribute("tabindex", "-1");
  post.focus();
  post.scrollIntoView({ block: "start" });
}

export function setupShortcuts(root = document) {
  const posts = root.getElementById("posts");
  if (!posts) return;
  const help = posts.dataset.helpUrl;
  root.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.altKey || event.metaKey || isTyping(event.target)) return;
    const list = [...posts.querySelectorAll("article.post")];
    const current = list.indexOf(document.activeElement?.closest?.("article.post"));
    if (event.key === "j") {
      if (current >= 0 && current === list.length - 1) announceEdge(root, true);
      else focusPost(list[current + 1]);
    } else if (event.key === "k") {
      if (current === 0) announceEdge(root, false);
      else focusPost(list[current - 1] ?? list[0]);
    } else if (event.key === "r") {
      const field = root.querySelector("[data-reply-form] textarea");
      if (!field) return;
      field.focus();
    } else if (event.key === "?" && help) {
      window.location.assign(help);
    } else {
      return;
    }
    event.preventDefault();
  });
}

setupShortcuts();
