/* global document, HTMLInputElement */
// Progressive enhancement only: every page works without it.
document.addEventListener('change', (e) => {
  const box = e.target;
  if (!(box instanceof HTMLInputElement) || !box.dataset.selectAll) return;
  for (const other of document.querySelectorAll(`input[type=checkbox][name="${box.dataset.selectAll}"]`)) other.checked = box.checked;
});
