/* The pages' behaviour, kept out of the templates: the Content-Security-Policy (script-src 'self') refuses inline
   <script> and on*= attributes. Each behaviour is wired by a data- attribute. */
(function () {
  "use strict";

  // <form data-confirm="…">: asks before submitting (删除, 放弃导入 …).
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });

  // <section data-progress-url="…">: polls a running import's status and reloads the page when it ends.
  const progress = document.querySelector("[data-progress-url]");
  if (progress) {
    const poll = async function () {
      const response = await fetch(progress.dataset.progressUrl, {headers: {"Accept": "application/json"}});
      const data = await response.json();
      progress.querySelector("[data-progress]").value = data.progress;
      progress.querySelector("[data-progress-text]").textContent = `${data.status_display} · ${data.rows}`;
      if (data.status === "queued" || data.status === "running") { setTimeout(poll, 1500); } else { location.reload(); }
    };
    setTimeout(poll, 1000);
  }

  // <form data-reveal data-denied="…">: shows a person's full ID number in place (the server audits the reveal).
  document.querySelectorAll("form[data-reveal]").forEach(function (form) {
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      const response = await fetch(form.action, {method: "POST", body: new FormData(form), headers: {"X-Requested-With": "fetch"}});
      const data = await response.json();
      form.querySelector("[data-revealed]").textContent = response.ok ? `${data.id_number}　${data.phone || ""}` : form.dataset.denied;
    });
  });
})();
