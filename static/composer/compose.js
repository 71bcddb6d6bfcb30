/* The digest change form: a link pasted or typed into an item's URL, or into the
 * "Add item from link" box, is described by the server (composer:describe) and fills in
 * what is still empty. Nothing the editor typed is overwritten. */
(function () {
  "use strict";
  var tools = document.getElementById("composer-tools");
  if (!tools) return;
  var group = document.getElementById("media_items-group");
  var statusLine = document.getElementById("composer-status");
  var text = tools.dataset;

  function csrfToken() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function say(message, isError) {
    statusLine.textContent = message;
    statusLine.classList.toggle("errornote", !!isError);
  }

  function field(row, name) {
    return row.querySelector("[name$='-" + name + "']");
  }

  function fillEmpty(row, name, value) {
    var input = field(row, name);
    if (input && value && !input.value.trim()) {
      input.value = value;
      input.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }

  function setPoster(row, poster) {
    var pending = field(row, "pending_image");
    var upload = field(row, "image");
    var hasImage = row.querySelector(".file-upload a") || (upload && upload.value);
    if (!pending || pending.value || hasImage) return false;
    pending.value = poster.token;
    var figure = row.querySelector(".composer-poster") || document.createElement("p");
    figure.className = "composer-poster";
    figure.textContent = "";
    var img = document.createElement("img");
    img.src = poster.preview;
    img.alt = "";
    img.className = "item-thumbnail";
    figure.appendChild(img);
    figure.appendChild(document.createTextNode(" " + text.msgPoster + " " + poster.name));
    var place = upload.closest(".form-row") || upload.parentNode;
    place.appendChild(figure);
    var alt = field(row, "alt_text");
    var decorative = field(row, "decorative");
    if (decorative && alt && !alt.value.trim()) decorative.checked = true;
    return true;
  }

  function describe(row, url) {
    if (!url || row.dataset.described === url) return Promise.resolve();
    row.dataset.described = url;
    row.classList.add("composer-busy");
    say(text.msgFetching);
    var body = new FormData();
    body.append("url", url);
    return fetch(text.describeUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken() },
    })
      .then(function (response) {
        return response.json().catch(function () {
          return { ok: false, error: text.msgFailed };
        });
      })
      .then(function (answer) {
        row.classList.remove("composer-busy");
        if (!answer.ok) {
          delete row.dataset.described; // the same address may be tried again
          say(answer.error || text.msgFailed, true);
          return;
        }
        var kind = field(row, "kind");
        var isNew = !row.classList.contains("has_original");
        if (kind && isNew && !kind.dataset.chosen) kind.value = answer.kind;
        fillEmpty(row, "title", answer.title);
        fillEmpty(row, "source", answer.source);
        fillEmpty(row, "description", answer.description);
        if (answer.poster) setPoster(row, answer.poster);
        say([text.msgFilled, answer.warning].filter(Boolean).join(" "), !!answer.warning);
      })
      .catch(function () {
        delete row.dataset.described;
        row.classList.remove("composer-busy");
        say(text.msgFailed, true);
      });
  }

  function rowOf(input) {
    return input.closest(".inline-related");
  }

  function isUrlField(target) {
    return target.matches && target.matches("#media_items-group input[name$='-url']");
  }

  document.addEventListener("change", function (event) {
    if (isUrlField(event.target)) describe(rowOf(event.target), event.target.value.trim());
    if (event.target.matches && event.target.matches("#media_items-group select[name$='-kind']")) {
      event.target.dataset.chosen = "1";
    }
  });
  document.addEventListener("paste", function (event) {
    if (!isUrlField(event.target)) return;
    var input = event.target;
    setTimeout(function () { describe(rowOf(input), input.value.trim()); }, 0);
  });

  function emptyRow() {
    var rows = group.querySelectorAll(".inline-related:not(.empty-form):not(.has_original)");
    for (var i = 0; i < rows.length; i++) {
      if (!field(rows[i], "url").value && !field(rows[i], "title").value) return rows[i];
    }
    var add = group.querySelector(".add-row a");
    if (!add) return null;
    add.click();
    rows = group.querySelectorAll(".inline-related:not(.empty-form):not(.has_original)");
    return rows[rows.length - 1];
  }

  var box = document.getElementById("composer-link");
  function addFromBox(event) {
    event.preventDefault();
    var url = box.value.trim();
    if (!url) return;
    var row = emptyRow();
    if (!row) return;
    field(row, "url").value = url;
    box.value = "";
    describe(row, url).then(function () {
      field(row, "title").scrollIntoView({ block: "center" });
    });
  }
  document.getElementById("composer-add").addEventListener("click", addFromBox);
  box.addEventListener("keydown", function (event) {
    if (event.key === "Enter") addFromBox(event);
  });
})();
