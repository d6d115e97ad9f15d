// The import room: the upload's progress while the browser sends a big file.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("import-form");
  var bar = document.getElementById("upload-progress");
  if (!form || !bar) return;
  form.addEventListener("htmx:xhr:progress", function (event) {
    if (!event.detail.lengthComputable) return;
    bar.hidden = false;
    bar.value = Math.round(event.detail.loaded / event.detail.total * 100);
  });
  form.addEventListener("htmx:afterRequest", function () { bar.hidden = true; bar.value = 0; });
});
