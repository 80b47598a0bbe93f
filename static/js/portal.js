/*
 * Progressive enhancement of the portal layout, served from our own origin (strict CSP: no inline script).
 * Without JavaScript the main navigation is a plain, always visible list.
 *
 * Main navigation on small screens: a disclosure button ("Menü") shows and hides the list. The button and the
 * collapsed state exist only once this script has run (class portal-nav--enhanced); from 768 px up CSS shows
 * the list and hides the button. Escape closes an open menu and returns focus to the button.
 */
(function () {
  "use strict";

  function enhanceNavigation(nav) {
    var toggle = nav.querySelector(".portal-nav__toggle");
    var list = nav.querySelector(".portal-nav__list");
    if (!toggle || !list) {
      return;
    }
    function setOpen(open) {
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      nav.classList.toggle("portal-nav--open", open);
    }
    setOpen(false);
    nav.classList.add("portal-nav--enhanced");
    toggle.addEventListener("click", function () {
      setOpen(toggle.getAttribute("aria-expanded") !== "true");
    });
    nav.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
        setOpen(false);
        toggle.focus();
      }
    });
  }

  function init() {
    var navs = document.querySelectorAll(".portal-nav");
    for (var i = 0; i < navs.length; i += 1) {
      enhanceNavigation(navs[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
