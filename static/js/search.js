// Suggestions as you type in the header search box: the ARIA 1.2 combobox pattern.
// Progressive enhancement only: without this file the box is a plain GET form to /search/.
"use strict";

(function () {
  const input = document.getElementById("site-search");
  const form = input && input.form;
  if (!input || !form || !window.fetch) return;

  const endpoint = form.dataset.suggest || "/api/v1/search/suggest";
  const list = document.createElement("ul");
  list.id = "site-search-suggestions";
  list.className = "search-suggestions";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", "Suggestions");
  list.hidden = true;
  const status = document.createElement("div");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  form.classList.add("has-suggestions");
  form.append(list, status);

  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", list.id);

  let items = [];
  let active = -1;
  let timer = 0;
  let pending = null;
  let lastQuery = "";

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function highlight(index) {
    active = index;
    Array.from(list.children).forEach((li, i) => li.setAttribute("aria-selected", String(i === index)));
    if (index >= 0) input.setAttribute("aria-activedescendant", list.children[index].id);
    else input.removeAttribute("aria-activedescendant");
  }

  function render(results) {
    items = results;
    list.replaceChildren(...results.map((r, i) => {
      const li = document.createElement("li");
      li.id = "site-search-option-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      const name = document.createElement("span");
      name.className = "suggestion-name";
      name.textContent = r.name;
      const meta = document.createElement("span");
      meta.className = "suggestion-meta";
      meta.textContent = [r.type === "person" ? "Person" : "Title", r.year].filter(Boolean).join(" · ");
      li.append(name, meta);
      // mousedown, not click: it runs before the input's blur closes the list.
      li.addEventListener("mousedown", (event) => { event.preventDefault(); location.assign(r.url); });
      return li;
    }));
    status.textContent = results.length ? results.length + " suggestions; use the arrow keys to choose." : "";
    if (results.length) {
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      highlight(-1);
    } else close();
  }

  function fetchSuggestions() {
    const q = input.value.trim();
    if (q === lastQuery) return;
    lastQuery = q;
    if (q.length < 2) { render([]); return; }
    if (pending) pending.abort();
    pending = new AbortController();
    fetch(endpoint + "?q=" + encodeURIComponent(q), { signal: pending.signal, headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : { results: [] }))
      .then((body) => { if (input.value.trim() === q) render(body.results || []); })
      .catch(() => {});
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(fetchSuggestions, 120);
  });
  input.addEventListener("keydown", (event) => {
    const open = !list.hidden && items.length;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!open) { lastQuery = ""; fetchSuggestions(); return; }
      event.preventDefault();
      // -1 is the text box itself: moving past either end returns to it.
      const next = active + (event.key === "ArrowDown" ? 1 : -1);
      highlight(next >= items.length ? -1 : next < -1 ? items.length - 1 : next);
    } else if (event.key === "Enter" && open && active >= 0) {
      event.preventDefault();
      location.assign(items[active].url);
    } else if (event.key === "Escape") {
      if (open) { event.preventDefault(); close(); }
      else if (input.value) { event.preventDefault(); input.value = ""; lastQuery = ""; }
    }
  });
  input.addEventListener("blur", close);
})();
