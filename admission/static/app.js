// Progressive enhancement only: every form works without this file.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// A copy button next to a text to paste elsewhere (the chat-group text of a release).
document.addEventListener("click", function (event) {
  var button = event.target.closest ? event.target.closest("[data-copy]") : null;
  if (!button) {
    return;
  }
  var source = document.querySelector(button.getAttribute("data-copy"));
  if (!source) {
    return;
  }
  source.select();
  if (navigator.clipboard) {
    navigator.clipboard.writeText(source.value);
  } else {
    document.execCommand("copy");
  }
});
