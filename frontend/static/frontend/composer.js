// The composer of replies and new threads, enhanced: a preview rendered by the
// server, @mention autocomplete (the ARIA 1.2 combobox pattern on the message
// field), several attachments by choosing, dropping or pasting them, and the
// draft of a new thread kept on the server. Without this module the form still
// posts, previews (its Preview button asks the server for the page again) and
// takes files.
//
// Words come from Django's JavaScript catalogue (loaded before this module):
// gettext(), ngettext() and interpolate() are its globals.

import { announce, setupCombobox } from "./combobox.js";

const csrfToken = (form) => form.querySelector("input[name=csrfmiddlewaretoken]")?.value ?? "";

function postForm(form, url, data) {
  return fetch(url, {
    method: "POST",
    headers: { "X-CSRFToken": csrfToken(form), Accept: "application/json" },
    body: new URLSearchParams(data),
    credentials: "same-origin",
  });
}

function setupPreview(form, textarea) {
  const button = form.querySelector("[data-preview-button]");
  const region = form.querySelector("[data-preview]");
  const body = region?.querySelector("[data-preview-body]");
  if (!button || !region || !body) return;
  button.addEventListener("click", async (click) => {
    click.preventDefault();
    button.disabled = true;
    try {
      const response = await postForm(form, form.dataset.previewUrl, { body: textarea.value });
      if (!response.ok) {
        announce(gettext("The preview could not be made just now. Your text is kept."));
        return;
      }
      const data = await response.json();
      // The server's sanitised rendering, the same as the post will have.
      body.innerHTML = data.html || `<p>${gettext("Nothing to preview yet.")}</p>`;
      region.hidden = false;
      announce(gettext("Preview shown below the message."));
    } finally {
      button.disabled = false;
    }
  });
  textarea.addEventListener("input", () => { region.dataset.stale = "1"; });
  form.addEventListener("submit", () => { region.hidden = true; body.replaceChildren(); });
}

// --- Attachments -----------------------------------------------------------

function setupAttachments(form, textarea) {
  const input = form.querySelector("input[type=file][name=attachment]");
  if (!input) return;
  const chosen = new DataTransfer();
  const list = document.createElement("ul");
  list.className = "chosen-files";
  list.setAttribute("aria-label", gettext("Files to attach"));
  input.after(list);
  let pasted = 0;

  const render = () => {
    input.files = chosen.files;
    list.replaceChildren(...[...chosen.files].map((file, index) => {
      const item = document.createElement("li");
      if (file.type.startsWith("image/")) {
        const image = document.createElement("img");
        image.src = URL.createObjectURL(file);
        image.alt = "";
        image.addEventListener("load", () => URL.revokeObjectURL(image.src), { once: true });
        item.append(image);
      }
      const name = document.createElement("span");
      name.textContent = file.name;
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "button-secondary";
      remove.textContent = gettext("Remove");
      remove.setAttribute("aria-label", interpolate(gettext("Remove %(name)s"), { name: file.name }, true));
      remove.addEventListener("click", () => {
        chosen.items.remove(index);
        render();
        announce(interpolate(gettext("%(name)s will not be attached."), { name: file.name }, true));
        input.focus();
      });
      item.append(name, remove);
      return item;
    }));
  };

  const add = (files) => {
    const names = [];
    for (let file of files) {
      if (file.type.startsWith("image/") && /^image\.\w+$/.test(file.name)) {
        // Pasted pictures are all called "image.png": number them.
        pasted += 1;
        const extension = file.name.split(".").pop();
        file = new File([file], interpolate(gettext("picture-%(number)s"), { number: pasted }, true) + `.${extension}`, { type: file.type });
      }
      chosen.items.add(file);
      names.push(file.name);
    }
    if (!names.length) return;
    render();
    announce(interpolate(ngettext("Attached: %(names)s", "Attached: %(names)s", names.length), { names: names.join(", ") }, true));
  };

  // A choice made with the file chooser adds to what is already chosen.
  input.addEventListener("change", () => {
    const picked = [...input.files].filter((file) => ![...chosen.files].includes(file));
    input.files = chosen.files;
    add(picked);
  });
  textarea.addEventListener("paste", (paste) => {
    const files = [...(paste.clipboardData?.files ?? [])];
    if (!files.length) return;
    paste.preventDefault();
    add(files);
  });
  form.addEventListener("dragover", (drag) => {
    if (![...drag.dataTransfer.types].includes("Files")) return;
    drag.preventDefault();
    form.classList.add("is-dropping");
  });
  form.addEventListener("dragleave", () => form.classList.remove("is-dropping"));
  form.addEventListener("drop", (drop) => {
    if (!drop.dataTransfer.files.length) return;
    drop.preventDefault();
    form.classList.remove("is-dropping");
    add([...drop.dataTransfer.files]);
  });
}

// --- @mentions: the combobox pattern on the message field --------------------

const MENTION_BEFORE_CARET = /(?:^|[^\p{L}\p{N}_@/])@([\p{L}\p{N}._-]{1,40})$/u;

function setupMentions(form, textarea) {
  const url = form.dataset.mentionUrl;
  if (!url) return;
  setupCombobox(textarea, {
    url,
    id: `${textarea.id || "message"}-mentions`,
    label: gettext("People and organisations to mention"),
    className: "mention-suggestions",
    query: () => {
      const caret = textarea.selectionStart;
      if (caret !== textarea.selectionEnd) return null;
      const match = MENTION_BEFORE_CARET.exec(textarea.value.slice(0, caret));
      // Where "@query" is in the text, to be replaced by the chosen handle.
      return match ? { query: match[1], start: caret - match[1].length - 1, end: caret } : null;
    },
    option: (result) => ({
      name: result.name,
      detail: result.detail ? `${result.detail} · @${result.handle}` : `@${result.handle}`,
    }),
    choose: (result, where) => {
      const before = textarea.value.slice(0, where.start);
      const after = textarea.value.slice(where.end);
      const inserted = `@${result.handle} `;
      textarea.value = before + inserted + after.replace(/^\s/, "");
      const caret = before.length + inserted.length;
      textarea.setSelectionRange(caret, caret);
      return interpolate(gettext("Mentioned %(name)s"), { name: result.name }, true);
    },
  });
}

// --- The draft of a new thread ----------------------------------------------

function setupThreadDraft(form, textarea) {
  if (form.hasAttribute("data-reply-form") || !form.dataset.draftUrl) return;
  let timer;
  const save = () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => {
      postForm(form, form.dataset.draftUrl, {
        title: form.querySelector("[name=title]")?.value ?? "",
        body: textarea.value,
        category: form.querySelector("[name=category]")?.value ?? "",
      });
    }, 1000);
  };
  form.addEventListener("input", save);
  form.addEventListener("change", save);
  form.addEventListener("submit", () => window.clearTimeout(timer));
}

for (const form of document.querySelectorAll("form[data-composer]")) {
  const textarea = form.querySelector("textarea[name=body]");
  if (!textarea) continue;
  setupPreview(form, textarea);
  setupAttachments(form, textarea);
  setupMentions(form, textarea);
  setupThreadDraft(form, textarea);
}
