// Progressive enhancement only: every form works without this file.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// Select all or none of the member units of a review (the boxes start ticked: the default).
document.addEventListener("click", function (event) {
  var button = event.target.closest ? event.target.closest("[data-check]") : null;
  if (!button) {
    return;
  }
  var fieldset = button.closest("fieldset");
  var boxes = fieldset ? fieldset.querySelectorAll("input[type=checkbox]") : [];
  for (var i = 0; i < boxes.length; i++) {
    boxes[i].checked = button.getAttribute("data-check") === "all";
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

// On a phone a wide table reads as stacked rows: each cell is labelled with its column's heading.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("table").forEach(function (table) {
    var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    });
    if (heads.length < 3) {
      return;
    }
    table.classList.add("stackable");
    table.querySelectorAll("tbody tr").forEach(function (row) {
      var column = heads.length - row.children.length; // cells merged from rows above come first
      Array.prototype.forEach.call(row.children, function (cell) {
        if (!cell.hasAttribute("data-label") && heads[column]) {
          cell.setAttribute("data-label", heads[column]);
        }
        column += cell.colSpan || 1;
      });
    });
  });
});
