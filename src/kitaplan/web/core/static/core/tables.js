/*
 * Wide tables scroll sideways inside .kern-table-responsive. A scrolling box must be reachable
 * by keyboard (WCAG 2.1.1; axe "scrollable-region-focusable"): when a wrapper actually scrolls,
 * it becomes a focusable, named region. Runs on load and after htmx swaps.
 */
(function () {
  "use strict";

  function label(wrapper) {
    var caption = wrapper.querySelector("caption");
    return caption ? caption.textContent.trim() : "";
  }

  function enhance(root) {
    var scope = root && root.querySelectorAll ? root : document;
    Array.prototype.forEach.call(scope.querySelectorAll(".kern-table-responsive"), function (wrapper) {
      if (wrapper.scrollWidth > wrapper.clientWidth + 1 && !wrapper.hasAttribute("tabindex")) {
        wrapper.setAttribute("tabindex", "0");
        wrapper.setAttribute("role", "region");
        var name = label(wrapper);
        if (name) {
          wrapper.setAttribute("aria-label", name);
        }
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  } else {
    enhance(document);
  }
  document.addEventListener("htmx:load", function (event) { enhance(event.detail && event.detail.elt); });
  window.addEventListener("resize", function () { enhance(document); });
})();
