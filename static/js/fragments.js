// A signed-in member's own bits of pages that are the same for everyone (and so can be cached):
// each [data-fragment] element is replaced by what its URL answers for this member, and the
// forms in it post in place. Progressive enhancement only: without this file the element's own
// links lead to pages with the same forms, and every form is a plain POST that redirects back.
"use strict";

(function () {
  // Set at sign-in, cleared at sign-out (reelhouse/community/http.py). The session cookie is
  // HttpOnly, so this hint is how an anonymous visitor is spared the requests; every fragment
  // still checks the session, and answers 204 (leaving the page as it is) to anyone else.
  const signedIn = /(?:^|;\s*)reelhouse_signed_in=1(?:;|$)/.test(document.cookie);
  if (!signedIn || !window.fetch || !window.FormData) return;

  function samePath(a, b) {
    return new URL(a, location.href).pathname === new URL(b, location.href).pathname;
  }

  function fill(slot, html, status) {
    slot.innerHTML = html;
    slot.querySelectorAll("form[data-fragment-form]").forEach((form) => enhanceForm(slot, form, status));
  }

  function enhanceForm(slot, form, status) {
    const url = slot.dataset.fragment;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const data = new FormData(form);
      // Answer with the fragment rather than the page the plain form returns to.
      data.set("next", url);
      const focusKey = (form.querySelector("[data-focus]") || {}).dataset;
      form.querySelectorAll("button").forEach((button) => { button.disabled = true; });
      fetch(form.action, { method: "POST", body: data, credentials: "same-origin", headers: { Accept: "text/html" } })
        .then((response) => {
          // Anything but the fragment (signed out meanwhile, a rejected form): let the browser
          // post the form itself and show whatever the server says.
          if (!response.ok || !samePath(response.url, url)) throw new Error("not the fragment");
          return response.text();
        })
        .then((html) => {
          fill(slot, html, status);
          const panel = slot.firstElementChild;
          if (status && panel) status.textContent = panel.dataset.status || "";
          const key = focusKey && focusKey.focus;
          const target = key && slot.querySelector('[data-focus="' + key + '"]');
          if (target) target.focus();
        })
        .catch(() => { form.submit(); });
    });
  }

  document.querySelectorAll("[data-fragment]").forEach((slot) => {
    // Announces what a form changed; a region inserted with the change itself is not read out.
    let status = null;
    if (slot.classList.contains("you-slot")) {
      status = document.createElement("p");
      status.className = "visually-hidden";
      status.setAttribute("role", "status");
      slot.after(status);
    }
    fetch(slot.dataset.fragment, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then((response) => (response.status === 200 ? response.text() : null))
      .then((html) => { if (html !== null) fill(slot, html, status); })
      .catch(() => {});
  });
})();
