// The ARIA 1.2 combobox pattern with a list popup, shared by every field that
// suggests as you type: the @mention in a message and the need picked for an
// agenda item. Written here rather than taken from a library because the
// pattern is small, the Content-Security-Policy forbids inline styles most
// widget libraries set, and the suggestions come from our own endpoints.
//
// The field keeps the focus (aria-activedescendant names the active option);
// arrow keys move, Enter or Tab chooses, Escape closes; how many suggestions
// there are, and what was chosen, is said through the page's live region.
// Words come from Django's JavaScript catalogue (gettext, ngettext, interpolate).

export function announce(text) {
  const region = document.getElementById("live-announcer");
  if (!region) return;
  region.textContent = "";
  window.setTimeout(() => { region.textContent = text; }, 50);
}

/**
 * Make ``field`` (an input or a textarea) a combobox.
 *
 * options:
 *   url       the endpoint answering ``?q=`` with ``{results: [...]}``
 *   id        the listbox's id
 *   label     the listbox's accessible name
 *   className extra classes of the listbox
 *   query     (field) => {query, ...where} or null: what to look up now (null closes)
 *   option    (result) => {name, detail}: the option's text
 *   choose    (result, where) => the announcement once chosen
 *   hint      the count announcement's rest ("Arrow keys to choose, ...")
 */
export function setupCombobox(field, options) {
  const listbox = document.createElement("ul");
  listbox.id = options.id;
  listbox.className = `suggestions combobox-options ${options.className ?? ""}`.trim();
  listbox.setAttribute("role", "listbox");
  listbox.setAttribute("aria-label", options.label);
  listbox.hidden = true;
  field.after(listbox);
  field.setAttribute("role", "combobox");
  field.setAttribute("aria-autocomplete", "list");
  field.setAttribute("aria-expanded", "false");
  field.setAttribute("aria-controls", listbox.id);
  field.setAttribute("autocomplete", "off");

  let items = [];
  let active = -1;
  let where = null;
  let timer;
  let asked = 0;
  let counted = null; // the count last announced, so each keystroke does not repeat it

  const close = () => {
    listbox.hidden = true;
    listbox.replaceChildren();
    items = [];
    active = -1;
    field.setAttribute("aria-expanded", "false");
    field.removeAttribute("aria-activedescendant");
  };

  const count = (n, text) => {
    if (n === counted) return;
    counted = n;
    announce(text);
  };

  const activate = (index) => {
    active = index;
    items.forEach((item, i) => item.element.setAttribute("aria-selected", i === index ? "true" : "false"));
    if (index >= 0) {
      field.setAttribute("aria-activedescendant", items[index].element.id);
      items[index].element.scrollIntoView({ block: "nearest" });
    } else {
      field.removeAttribute("aria-activedescendant");
    }
  };

  const choose = (index) => {
    const item = items[index];
    if (!item || !where) return;
    const said = options.choose(item.result, where);
    close();
    counted = null;
    field.dispatchEvent(new Event("input", { bubbles: true }));
    if (said) announce(said);
  };

  const show = (results) => {
    if (!results.length) {
      close();
      count(0, gettext("No suggestions."));
      return;
    }
    items = results.map((result, index) => {
      const element = document.createElement("li");
      element.id = `${listbox.id}-${index}`;
      element.setAttribute("role", "option");
      element.setAttribute("aria-selected", "false");
      const text = options.option(result);
      const name = document.createElement("span");
      name.className = "option-name";
      name.textContent = text.name;
      element.append(name);
      if (text.detail) {
        const detail = document.createElement("span");
        detail.className = "meta";
        detail.textContent = ` ${text.detail}`;
        element.append(detail);
      }
      // mousedown, so the field keeps the focus and the caret.
      element.addEventListener("mousedown", (down) => { down.preventDefault(); choose(index); });
      return { element, result };
    });
    listbox.replaceChildren(...items.map((item) => item.element));
    listbox.hidden = false;
    field.setAttribute("aria-expanded", "true");
    activate(0);
    count(results.length, interpolate(
      ngettext(
        "%(count)s suggestion. Arrow keys to choose, Enter to insert, Escape to close.",
        "%(count)s suggestions. Arrow keys to choose, Enter to insert, Escape to close.",
        results.length,
      ),
      { count: results.length },
      true,
    ));
  };

  const look = () => {
    where = options.query(field);
    if (!where) { close(); counted = null; return; }
    const query = where.query;
    window.clearTimeout(timer);
    timer = window.setTimeout(async () => {
      const ticket = ++asked;
      const response = await fetch(`${options.url}?q=${encodeURIComponent(query)}`, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      // Over the rate limit or gone: keep the list as it is; the field still takes text.
      if (!response.ok || ticket !== asked) return;
      const data = await response.json();
      if (ticket === asked) show(data.results);
    }, 150);
  };

  field.addEventListener("input", (event) => { if (event.isTrusted) look(); });
  field.addEventListener("click", look);
  field.addEventListener("blur", () => window.setTimeout(close, 100));
  field.addEventListener("keydown", (key) => {
    if (key.key === "ArrowDown" && listbox.hidden) {
      key.preventDefault();
      look();
      return;
    }
    if (listbox.hidden || !items.length) return;
    if (key.key === "ArrowDown") {
      key.preventDefault();
      activate((active + 1) % items.length);
    } else if (key.key === "ArrowUp") {
      key.preventDefault();
      activate((active - 1 + items.length) % items.length);
    } else if (key.key === "Enter" || key.key === "Tab") {
      if (active < 0) return;
      key.preventDefault();
      choose(active);
    } else if (key.key === "Escape") {
      key.preventDefault();
      close();
    }
  });
  return { close };
}
