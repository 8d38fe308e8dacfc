// The GIFT text box of the quiz editor: line numbers beside it, and the "baris N" links of
// reported problems select that line in it. Without JavaScript the box works as before, the
// links go to it and each problem shows its line's text.
(function () {
  "use strict";

  function lineCount(text) {
    return text.split("\n").length;
  }

  function addGutter(source) {
    var frame = document.createElement("div");
    frame.className = "gift-lines";
    var gutter = document.createElement("pre");
    gutter.className = "line-gutter";
    gutter.setAttribute("aria-hidden", "true");  // the numbers are for the eye; the links say
    source.parentNode.insertBefore(frame, source);
    frame.appendChild(gutter);
    frame.appendChild(source);
    var shown = 0;

    function number() {
      var count = lineCount(source.value);
      if (count !== shown) {
        var numbers = [];
        for (var i = 1; i <= count; i++) numbers.push(i);
        gutter.textContent = numbers.join("\n");
        shown = count;
      }
      gutter.scrollTop = source.scrollTop;
    }

    source.addEventListener("input", number);
    source.addEventListener("scroll", function () { gutter.scrollTop = source.scrollTop; });
    number();
  }

  function selectLine(source, line) {
    var lines = source.value.split("\n");
    if (line < 1 || line > lines.length) return;
    var start = 0;
    for (var i = 0; i < line - 1; i++) start += lines[i].length + 1;
    source.focus();
    source.setSelectionRange(start, start + lines[line - 1].length);
    var height = parseFloat(getComputedStyle(source).lineHeight) || 20;
    source.scrollTop = Math.max(0, (line - 3) * height);
    source.dispatchEvent(new Event("scroll"));
  }

  document.querySelectorAll("textarea.gift-source").forEach(function (source) {
    addGutter(source);
    document.querySelectorAll('a[data-jump-line][href="#' + source.id + '"]')
      .forEach(function (link) {
        link.addEventListener("click", function (event) {
          event.preventDefault();
          selectLine(source, parseInt(link.dataset.jumpLine, 10));
        });
      });
  });
})();
