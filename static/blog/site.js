// Video facades: swap the poster link for the player only when the reader asks for it.
// Without JavaScript the poster stays a plain link to the video's page.
document.addEventListener("click", function (event) {
  var link = event.target.closest(".video__link");
  if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) {
    return;
  }
  var box = link.closest("[data-embed-src]");
  if (!box) {
    return;
  }
  event.preventDefault();
  var frame = document.createElement("iframe");
  frame.src = box.dataset.embedSrc;
  frame.title = box.dataset.embedTitle;
  frame.loading = "lazy";
  frame.allow = "autoplay; encrypted-media; picture-in-picture; fullscreen";
  frame.allowFullscreen = true;
  frame.referrerPolicy = "strict-origin-when-cross-origin";
  box.replaceChildren(frame);
  frame.focus();
});

// Comment replies: move the one form under the comment being answered. Without
// JavaScript the Reply link reloads the page with ?replytocom=ID and the same form.
// Words come from the page's data- attributes, in the site's language.
(function () {
  var respond = document.getElementById("respond");
  if (!respond) {
    return;
  }
  var home = document.createComment("respond-home");
  respond.parentNode.insertBefore(home, respond);
  var title = document.getElementById("reply-title");
  var originalTitle = title.innerHTML;
  var replyTo = respond.querySelector("input[name=reply_to]");

  function cancelLink() {
    var link = document.createElement("a");
    link.href = "#respond";
    link.className = "cancel-reply";
    link.textContent = respond.dataset.cancelLabel;
    link.addEventListener("click", function (event) {
      event.preventDefault();
      home.parentNode.insertBefore(respond, home.nextSibling);
      replyTo.value = "0";
      title.innerHTML = originalTitle;
      respond.querySelector("textarea").focus();
    });
    return link;
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest(".comment__reply");
    if (!link || event.metaKey || event.ctrlKey || event.shiftKey) {
      return;
    }
    event.preventDefault();
    var article = link.closest("article");
    article.parentNode.insertBefore(respond, article.nextSibling);
    replyTo.value = link.dataset.replyTo;
    // The name in <bdi>, as on the page: a right-to-left name can't reorder the rest.
    var name = document.createElement("bdi");
    name.textContent = link.dataset.replyName;
    title.textContent = respond.dataset.replyPrefix;
    title.appendChild(name);
    title.appendChild(document.createTextNode(" "));
    title.appendChild(cancelLink());
    respond.querySelector("textarea").focus();
  });
})();

// A permalink to a comment inside a folded branch opens the branch (chromium does this
// by itself; other browsers don't yet).
(function () {
  function reveal() {
    var target = location.hash.length > 1 && document.getElementById(location.hash.slice(1));
    for (var node = target; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") {
        node.open = true;
      }
    }
    if (target) {
      target.scrollIntoView();
    }
  }
  window.addEventListener("hashchange", reveal);
  if (location.hash.length > 1) {
    reveal();
  }
})();

// Likes: the box asks for this reader's own state (a cached page shows every guest the
// same one), and a click likes or unlikes in place. Without JavaScript the form posts
// and the page comes back with the answer next to the button.
(function () {
  var box = document.getElementById("likes");
  if (!box || !window.fetch) {
    return;
  }
  function show(response) {
    if (!response.ok && response.status !== 429) {
      throw new Error("likes: " + response.status);
    }
    return response.json().then(function (data) {
      var holder = document.createElement("div");
      holder.innerHTML = data.html; // our own template's output, escaped there
      var fresh = holder.firstElementChild;
      var old = document.getElementById("likes");
      var hadFocus = old.contains(document.activeElement);
      old.replaceWith(fresh);
      if (hadFocus) {
        fresh.querySelector("button").focus();
      }
      if (response.status === 429) {
        fresh.querySelector(".placed-messages").textContent = fresh.dataset.tooMany;
      }
    });
  }
  var url = box.dataset.likesUrl;
  fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
    .then(show)
    .catch(function () {});
  document.addEventListener("submit", function (event) {
    var form = event.target.closest(".like-form");
    if (!form) {
      return;
    }
    event.preventDefault();
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(show)
      .catch(function () {
        form.submit(); // the plain form still works
      });
  });
})();

// CSRF tokens on pages every reader shares: a page from the cache carries its forms' token
// fields empty (a shared cache may keep it). When the reader starts using a form, the
// browser gets its CSRF cookie from /csrf-token/; when a form is sent, its field gets the
// cookie's value (Django takes the cookie's secret as a token), so a cookie set by another
// request meanwhile (the likes box) can't leave a form with a token that no longer matches.
// Without JavaScript the form goes without one and the site answers with the same form,
// token included, to send again.
(function () {
  if (!window.fetch) {
    return;
  }
  var COOKIE = "csrftoken";
  var pending = null;

  function cookie() {
    var match = document.cookie.match(new RegExp("(?:^|;\\s*)" + COOKIE + "=([^;]+)"));
    return match ? decodeURIComponent(match[1]) : "";
  }
  function tokenField(form) {
    return form && form.method === "post" ? form.querySelector("input[name=csrfmiddlewaretoken]") : null;
  }
  function getToken() {
    if (!pending) {
      pending = fetch("/csrf-token/", { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("csrf-token: " + response.status);
          }
          return response.json();
        })
        .then(function (data) {
          return cookie() || data.token;
        })
        .catch(function (error) {
          pending = null;
          throw error;
        });
    }
    return pending;
  }
  document.addEventListener("focusin", function (event) {
    var form = event.target.closest ? event.target.closest("form") : null;
    var field = tokenField(form);
    if (field && !field.value && !cookie()) {
      getToken().catch(function () {});
    }
  });
  // Capture: before any other handler sends the form (the likes box posts it by fetch).
  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      var field = tokenField(form);
      if (!field) {
        return;
      }
      if (cookie()) {
        field.value = cookie();
        return;
      }
      if (field.value || form.dataset.csrfTried) {
        return; // rendered for this reader, or the fetch failed: sent as it is
      }
      event.preventDefault();
      event.stopImmediatePropagation();
      form.dataset.csrfTried = "1";
      var submitter = event.submitter || null;
      getToken()
        .then(function (token) {
          field.value = token;
        })
        .catch(function () {})
        .then(function () {
          if (form.requestSubmit) {
            form.requestSubmit(submitter);
          } else {
            form.submit();
          }
        });
    },
    true
  );
})();
