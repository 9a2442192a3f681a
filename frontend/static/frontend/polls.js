// Polls in a thread, enhanced: answers sent without leaving the page (a refused
// answer keeps the choice and shows why) and results updated live from the
// thread's socket (a ``poll.results`` frame names the poll; its results are fetched as
// rendered for this viewer).
// Without this module the poll's form posts and the page shows the outcome.

function announce(text) {
  const region = document.getElementById("live-announcer");
  if (!region) return;
  region.textContent = "";
  window.setTimeout(() => { region.textContent = text; }, 50);
}

for (const form of document.querySelectorAll("form[data-poll-form]")) {
  const poll = form.closest("[data-poll]");
  const error = poll.querySelector("[data-poll-error]");
  form.addEventListener("submit", async (submit) => {
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
        error.hidden = true;
        error.textContent = "";
        button.textContent = gettext("Change the answer");
        announce(gettext("Your answer was saved."));
      } else if (response.status === 400) {
        const data = await response.json();
        error.textContent = data.errors.join(" ");
        error.hidden = false;
      } else {
        form.submit();
      }
    } finally {
      button.disabled = false;
    }
  });
}

const live = window.openCitiesLive;
if (live) {
  // The frame says only which poll changed; the results come rendered for
  // this viewer (language, place names) from the thread's fragments.
  live.on("poll.results", async (event) => {
    const box = document.querySelector(`[data-poll-results="${event.poll}"]`);
    const url = document.querySelector("[data-fragments-url]")?.dataset.fragmentsUrl;
    if (!box || !url) return;
    const response = await fetch(`${url}?poll=${encodeURIComponent(event.poll)}`, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    if (!response.ok) return;
    const html = (await response.json()).polls?.[String(event.poll)];
    if (html) box.innerHTML = html; // the server's sanitised rendering
  });
}
