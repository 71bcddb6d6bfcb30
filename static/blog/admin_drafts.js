/* The digest form: autosave, a warning before leaving with unsaved changes, live preview.
 *
 * Autosave posts the whole form (as the Save button would) to the server a few seconds
 * after each change; an item's newly chosen image is sent once, stored in the media
 * library, and named by its library id from then on. Restoring fills the form back in from
 * the autosaved fields (adding item rows as needed). The preview posts the form without
 * files and shows the page the server renders with the reader's templates. Nothing here
 * saves the digest: only the Save buttons do.
 */
function digestDrafts() {
  "use strict";
  const box = document.getElementById("digest-drafts");
  if (!box) return;
  const form = box.closest("form");
  const status = box.querySelector(".autosave-status");
  const AUTOSAVE_DELAY = 3000;
  const PREVIEW_DELAY = 600;
  const sentFiles = new Map(); // File -> library id, for files the server already has
  let dirty = false;
  let submitting = false;
  let autosaveTimer = null;
  let previewTimer = null;
  let saving = false;
  let saveAgain = false;

  function csrfToken() {
    const cookie = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="));
    // The cookie's token stays right after logging in again in another tab.
    if (cookie) return decodeURIComponent(cookie.split("=")[1]);
    return form.querySelector("[name=csrfmiddlewaretoken]").value;
  }

  function libraryFieldFor(fileInput) {
    const match = /^(media_items-\d+)-image$/.exec(fileInput.name);
    return match ? form.querySelector(`[name="${match[1]}-library_image"]`) : null;
  }

  /* The form's fields as the Save button would post them; files only when asked. */
  function collect(withFiles) {
    const data = new FormData(form);
    data.delete("csrfmiddlewaretoken");
    for (const select of form.querySelectorAll("select[multiple]")) {
      if (!select.id.endsWith("_to")) continue;
      // A filtered select (categories, tags): every chosen option counts, selected or not.
      data.delete(select.name);
      for (const option of select.options) data.append(select.name, option.value);
    }
    for (const input of form.querySelectorAll("input[type=file]")) {
      data.delete(input.name);
      const file = input.files[0];
      const library = libraryFieldFor(input);
      if (!file || !library) continue;
      if (sentFiles.has(file)) data.set(library.name, sentFiles.get(file));
      else if (withFiles) data.append(input.name, file);
    }
    return data;
  }

  function say(text) {
    status.textContent = text;
  }

  // One request at a time: autosave and preview never write to the database at once.
  let queue = Promise.resolve();
  function serial(task) {
    const run = queue.then(task, task);
    queue = run.catch(() => undefined);
    return run;
  }

  async function post(url, data) {
    const response = await serial(() => fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken() },
      redirect: "manual",
    }));
    const json = (response.headers.get("Content-Type") || "").includes("application/json");
    if (response.type === "opaqueredirect" || response.status === 403 || !json) {
      throw new Error("expired");
    }
    return response.json();
  }

  async function autosave() {
    if (saving) {
      saveAgain = true;
      return;
    }
    saving = true;
    const files = [...form.querySelectorAll("input[type=file]")]
      .filter((input) => input.files[0] && libraryFieldFor(input))
      .map((input) => [input.name, input.files[0]]);
    try {
      const answer = await post(box.dataset.autosaveUrl, collect(true));
      for (const [name, file] of files) {
        const stored = answer.images[name];
        if (stored) sentFiles.set(file, String(stored.id));
      }
      const refused = Object.values(answer.errors || {});
      say(refused.length ? `${answer.status} ${refused.join(" ")}` : answer.status);
    } catch (error) {
      say(error.message === "expired" ? box.dataset.msgExpired : box.dataset.msgFailed);
      clearTimeout(autosaveTimer);
      autosaveTimer = setTimeout(autosave, AUTOSAVE_DELAY * 5);
    } finally {
      saving = false;
      if (saveAgain) {
        saveAgain = false;
        scheduleAutosave();
      }
    }
  }

  function scheduleAutosave() {
    clearTimeout(autosaveTimer);
    autosaveTimer = setTimeout(autosave, AUTOSAVE_DELAY);
  }

  /* Live preview ------------------------------------------------------------ */
  const panel = document.getElementById("digest-live-preview");
  const frame = panel && panel.querySelector("iframe");
  const toggle = box.querySelector("[data-preview-toggle]");

  async function preview() {
    const data = collect(false);
    data.set("_digest_id", box.dataset.digestId);
    try {
      const response = await serial(() => fetch(box.dataset.previewUrl, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken() },
        redirect: "manual",
      }));
      if (response.type === "opaqueredirect" || response.status === 403) throw new Error("expired");
      if (!response.ok) throw new Error(String(response.status));
      const html = await response.text();
      const scroll = frame.contentWindow ? frame.contentWindow.scrollY : 0;
      frame.addEventListener("load", () => frame.contentWindow.scrollTo(0, scroll), { once: true });
      // Links open in a new tab: the site's pages refuse to be framed.
      frame.srcdoc = html.replace(/<head>/i, '<head><base target="_blank">');
    } catch (error) {
      say(error.message === "expired" ? box.dataset.msgExpired : box.dataset.msgFailed);
    }
  }

  function schedulePreview() {
    if (!panel || panel.hidden) return;
    clearTimeout(previewTimer);
    previewTimer = setTimeout(preview, PREVIEW_DELAY);
  }

  if (toggle && panel) {
    toggle.addEventListener("click", () => {
      panel.hidden = !panel.hidden;
      document.body.classList.toggle("with-live-preview", !panel.hidden);
      toggle.setAttribute("aria-expanded", String(!panel.hidden));
      toggle.textContent = panel.hidden ? box.dataset.msgShow : box.dataset.msgHide;
      if (!panel.hidden) preview();
    });
  }

  /* Changes, and leaving with unsaved ones ----------------------------------- */
  function changed() {
    dirty = true;
    scheduleAutosave();
    schedulePreview();
  }
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  // Rows added or removed, or items dragged into a new order, change the form too.
  form.addEventListener("click", (event) => {
    if (event.target.closest(".add-row a, .inline-deletelink")) changed();
  });
  form.addEventListener("submit", () => {
    submitting = true;
    clearTimeout(autosaveTimer);
    // Logged in again in another tab: the page's token is stale, the cookie's is not.
    form.querySelector("[name=csrfmiddlewaretoken]").value = csrfToken();
  });
  window.addEventListener("beforeunload", (event) => {
    if (!dirty || submitting) return;
    event.preventDefault();
    event.returnValue = ""; // the browser shows its own "Leave site?" question
  });

  /* Restoring an autosave ------------------------------------------------------ */
  function addRows(prefix, wanted) {
    const total = form.querySelector(`[name="${prefix}-TOTAL_FORMS"]`);
    const add = document.querySelector(`#${prefix}-group .add-row a`);
    while (total && add && Number(total.value) < wanted) {
      const before = Number(total.value);
      add.click();
      if (Number(total.value) === before) break;
    }
  }

  function moveFiltered(select, values) {
    const from = document.getElementById(select.id.replace(/_to$/, "_from"));
    if (!from || !window.SelectBox) return;
    for (const option of from.options) option.selected = values.includes(option.value);
    window.SelectBox.move(from.id, select.id);
    for (const option of select.options) option.selected = !values.includes(option.value);
    window.SelectBox.move(select.id, from.id);
    for (const option of select.options) option.selected = false;
  }

  function restore(pairs) {
    const values = new Map();
    for (const [name, value] of pairs) {
      if (!values.has(name)) values.set(name, []);
      values.get(name).push(value);
    }
    for (const [name, list] of values) {
      if (name.endsWith("-TOTAL_FORMS")) addRows(name.slice(0, -"-TOTAL_FORMS".length), Number(list[0]));
    }
    for (const field of form.elements) {
      const name = field.name;
      if (!name || field.type === "file" || /-(TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS$/.test(name)) continue;
      if (name === "csrfmiddlewaretoken" || field.type === "submit" || field.type === "button") continue;
      const list = values.get(name) || [];
      if (field.type === "checkbox" || field.type === "radio") {
        field.checked = list.includes(field.value);
      } else if (field.tagName === "SELECT" && field.multiple) {
        if (field.id.endsWith("_to")) moveFiltered(field, list);
        else if (!name.endsWith("_old")) for (const option of field.options) option.selected = list.includes(option.value);
      } else if (values.has(name)) {
        field.value = list[0];
      }
    }
    changed();
  }

  const saved = document.getElementById("digest-autosave-data");
  const offer = box.querySelector(".autosave-offer");
  if (saved && offer) {
    offer.querySelector("[data-autosave-restore]").addEventListener("click", () => {
      restore(JSON.parse(saved.textContent));
      offer.remove();
    });
    offer.querySelector("[data-autosave-discard]").addEventListener("click", () => {
      const data = new FormData();
      data.set("_discard", "1");
      post(box.dataset.autosaveUrl, data).catch(() => say(box.dataset.msgFailed));
      offer.remove();
    });
  }
}

// The admin loads its scripts in the head, before the form exists.
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", digestDrafts);
else digestDrafts();
