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
  frame.title = box.dataset.embedTitle || "Video";
  frame.loading = "lazy";
  frame.allow = "autoplay; encrypted-media; picture-in-picture; fullscreen";
  frame.allowFullscreen = true;
  frame.referrerPolicy = "strict-origin-when-cross-origin";
  box.replaceChildren(frame);
  frame.focus();
});
