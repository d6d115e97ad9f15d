// The print button of a printable office document.
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
