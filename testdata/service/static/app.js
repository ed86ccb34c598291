document.addEventListener("DOMContentLoaded", () => { document.body.dataset.ready = "true"; });
//# sourceMappingURL=app.js.map
