// Progressive enhancement only: every page works without this file.
"use strict";

// Trailer / Synopsis / Cast: anchors and stacked panels become ARIA tabs.
function enhanceTabs(root) {
  const tabs = Array.from(root.querySelectorAll('[role="tab"]'));
  const panels = tabs.map((tab) => document.getElementById(tab.getAttribute("aria-controls")));
  if (!tabs.length || panels.includes(null)) return;

  function select(index, focus) {
    tabs.forEach((tab, i) => {
      const selected = i === index;
      tab.setAttribute("aria-selected", String(selected));
      tab.tabIndex = selected ? 0 : -1;
      panels[i].hidden = !selected;
    });
    if (focus) tabs[index].focus();
  }

  tabs.forEach((tab, index) => {
    tab.addEventListener("click", (event) => {
      event.preventDefault();
      select(index, false);
      history.replaceState(null, "", "#" + panels[index].id);
    });
    tab.addEventListener("keydown", (event) => {
      const moves = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1 };
      if (!(event.key in moves)) return;
      event.preventDefault();
      select((moves[event.key] + tabs.length) % tabs.length, true);
    });
  });
  panels.forEach((panel) => { panel.tabIndex = 0; });

  const fromHash = panels.findIndex((panel) => "#" + panel.id === location.hash);
  const preset = tabs.findIndex((tab) => tab.getAttribute("aria-selected") === "true");
  root.classList.add("is-enhanced");
  select(fromHash >= 0 ? fromHash : Math.max(preset, 0), false);
}

document.querySelectorAll("[data-tabs]").forEach(enhanceTabs);
