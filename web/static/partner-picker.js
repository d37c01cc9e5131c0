// Partner picker, progressively enhanced: without this script the admin forms search with
// their "Find partners" button, and the instance takes the one partner the text names.
// With it, the partners whose names hold what is typed are offered as one types (a
// <datalist> filled from /admin/partner-suggestions); picking one puts its name in the
// field, which the instance resolves on posting. No third-party code.
(function () {
  "use strict";
  var input = document.getElementById("partner_query");
  var list = document.getElementById("partner-suggestions");
  if (!input || !list || !window.fetch || !window.URLSearchParams) { return; }
  var timer = null, asked = "";

  function offer(partners) {
    list.textContent = "";
    partners.forEach(function (partner) {
      var option = document.createElement("option");
      option.value = partner.name;
      option.label = partner.name + " (" + partner.country + ")";
      option.lang = partner.lang;
      list.appendChild(option);
    });
    list.dataset.count = String(partners.length);
  }

  async function suggest() {
    var text = input.value.trim();
    if (text.length < 2 || text === asked) { return; }
    asked = text;
    var answer = await fetch(input.dataset.suggest + "?" + new URLSearchParams({q: text}),
                             {credentials: "same-origin", headers: {"Accept": "application/json"}});
    if (!answer.ok || input.value.trim() !== text) { return; }
    offer((await answer.json()).partners || []);
  }

  input.setAttribute("list", list.id);
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { suggest().catch(function () {}); }, 200);
  });
}());
