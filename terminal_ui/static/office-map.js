// The warehouse map: a click on a bin loads what it holds into #bin (an htmx request).
document.addEventListener("click", function (event) {
  var map = event.target.closest && event.target.closest(".map");
  if (!map || event.target.tagName.toLowerCase() !== "rect" || !event.target.id) return;
  var previous = map.querySelector("rect.chosen");
  if (previous) previous.classList.remove("chosen");
  event.target.classList.add("chosen");
  htmx.ajax("GET", map.dataset.binUrl + "?code=" + encodeURIComponent(event.target.id),
            {target: "#bin", swap: "outerHTML"});
});
