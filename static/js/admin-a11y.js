/*
 * Accessible names for two widgets that Django's admin builds in JavaScript (loaded by templates/admin/
 * base_site.html from our own origin; strict CSP, no inline script).
 *
 * - Autocomplete fields (select2): the combobox and its read-only "textbox" are labelled only by the text of the
 *   current choice, so an empty field has no name (axe "aria-input-field-name"). Both are labelled by the
 *   field's <label> and the choice; the search box of a multiple choice by the label.
 * - Filtered multiple choice (filter_horizontal): the search icon is a <span> with aria-label but no role
 *   (axe "aria-prohibited-attr"); as role="img" its label names the filter input.
 */
(function () {
  "use strict";

  var counter = 0;

  function labelAutocompletes(root) {
    var selects = root.querySelectorAll("select.admin-autocomplete");
    for (var i = 0; i < selects.length; i += 1) {
      var select = selects[i];
      if (!select.id || select.name.indexOf("__prefix__") !== -1) {
        continue;
      }
      var label = document.querySelector('label[for="' + select.id + '"]');
      var container = select.parentNode.querySelector(".select2-selection[role=combobox]");
      if (!label || !container) {
        continue;
      }
      if (!label.id) {
        counter += 1;
        label.id = "portal-label-" + select.id + "-" + counter;
      }
      var rendered = container.querySelector(".select2-selection__rendered");
      if (rendered && rendered.id) {
        // The read-only "textbox" that shows the choice is named the same way (empty when nothing is chosen).
        container.setAttribute("aria-labelledby", label.id + " " + rendered.id);
        rendered.setAttribute("aria-labelledby", label.id + " " + rendered.id);
      } else {
        container.setAttribute("aria-labelledby", label.id);
      }
      // A multiple choice (e.g. a measure's participants) types into an inline search box: named by the label.
      var search = container.querySelector(".select2-search__field");
      if (search) {
        search.setAttribute("aria-labelledby", label.id);
      }
    }
  }

  function nameFilterIcons(root) {
    var icons = root.querySelectorAll(".search-label-icon[aria-label]:not([role])");
    for (var i = 0; i < icons.length; i += 1) {
      icons[i].setAttribute("role", "img");
    }
  }

  function enhance() {
    labelAutocompletes(document);
    nameFilterIcons(document);
  }

  // Django's admin scripts build the widgets when jQuery is ready, which may be after "load", and again for
  // every inline row added; a MutationObserver catches each (it changes attributes only, so it cannot loop).
  function start() {
    enhance();
    new MutationObserver(enhance).observe(document.body, { childList: true, subtree: true });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
