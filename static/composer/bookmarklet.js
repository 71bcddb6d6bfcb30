/* The bookmarklet is to be dragged to the bookmarks bar; clicked here it only explains.
 * The "Close" button of the bookmarklet's window closes it. */
(function () {
  "use strict";
  document.querySelectorAll("a.composer-bookmarklet").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var hint = document.getElementById(link.dataset.hint);
      if (hint) hint.hidden = false;
    });
  });
  var close = document.getElementById("composer-close");
  if (close) close.addEventListener("click", function () { window.close(); });
})();
