// Small behaviours the templates ask for with data- attributes (no inline script: CSP).
document.addEventListener("focusin", (event) => {
  const target = event.target;
  if (target instanceof HTMLInputElement && target.hasAttribute("data-select-on-focus")) {
    target.select();
  }
});

// <select data-submit-on-change>: a filter that applies as soon as it is chosen.
document.addEventListener("change", (event) => {
  const target = event.target;
  if (target instanceof HTMLSelectElement && target.hasAttribute("data-submit-on-change")) {
    target.form?.submit();
  }
});
