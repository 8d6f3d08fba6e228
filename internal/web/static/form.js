// Progressive enhancement of the form steps (internal/web/formui). Everything works without
// this script: the WZ picker searches on the server with its "Suchen" button. With the script,
// typing in the search box lists matching activities right away (GET /api/v1/wz) as radio
// buttons with the same name the server's result list uses, so the post is the same.
(function () {
  "use strict";
  var de = (document.documentElement.lang || "de").slice(0, 2) !== "en";
  var text = {
    results: de ? "Vorschläge" : "Suggestions",
    none: de ? "Keine Vorschläge. Versuchen Sie einen anderen Begriff oder wählen Sie „Suchen“." : "No suggestions. Try another term or choose “Search”.",
    count: function (n) { return de ? n + " Vorschläge gefunden" : n + " suggestions found"; }
  };

  function el(tag, cls, txt) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (txt) { e.textContent = txt; }
    return e;
  }

  function enhance(input) {
    var name = input.name;
    if (!name || name.slice(-2) !== ".q") { return; }
    var path = name.slice(0, -2);
    var field = input.closest(".rh-field");
    var fieldset = input.closest("fieldset");
    if (!field || !fieldset) { return; }
    var box = el("div", "rh-wz__live");
    var status = el("p", "rh-visually-hidden");
    status.setAttribute("role", "status");
    field.parentNode.insertBefore(box, field.nextSibling);
    field.parentNode.insertBefore(status, box.nextSibling);
    var timer = null;
    var seq = 0;

    function pick() {
      var hidden = fieldset.querySelectorAll('input[type="hidden"]');
      for (var i = 0; i < hidden.length; i++) {
        if (hidden[i].name === path) { hidden[i].parentNode.removeChild(hidden[i]); }
      }
    }

    function show(results, q) {
      box.textContent = "";
      if (!results.length) {
        box.appendChild(el("p", "rh-hint", text.none));
        status.textContent = text.none;
        return;
      }
      var fs = el("fieldset", "rh-fieldset rh-wz__results");
      fs.appendChild(el("legend", "rh-legend", text.results + " „" + q + "“"));
      results.forEach(function (r, i) {
        var row = el("div", "rh-radio");
        var radio = el("input", "rh-radio__input");
        radio.type = "radio";
        radio.name = path;
        radio.value = r.code;
        radio.id = fieldset.id + "-js" + i;
        radio.addEventListener("change", pick);
        var label = el("label", "rh-radio__label", r.code + " – " + r.title);
        label.htmlFor = radio.id;
        row.appendChild(radio);
        row.appendChild(label);
        fs.appendChild(row);
      });
      box.appendChild(fs);
      status.textContent = text.count(results.length);
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (q.length < 2) { box.textContent = ""; return; }
      timer = setTimeout(function () {
        var mine = ++seq;
        fetch("/api/v1/wz?q=" + encodeURIComponent(q), { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (resp) { return resp.ok ? resp.json() : { results: [] }; })
          .then(function (data) { if (mine === seq) { show(data.results || [], q); } })
          .catch(function () { /* the server-side search still works */ });
      }, 250);
    });
  }

  var inputs = document.querySelectorAll('.rh-wz input[type="search"]');
  for (var i = 0; i < inputs.length; i++) { enhance(inputs[i]); }

  // The language switch on a form step saves what was typed first: it posts the step with
  // "save" to the step's own address with ?lang=…, which the server answers in the other
  // language. Without the script it is a plain link.
  var sw = document.querySelector("a[data-save-step]");
  var stepForm = document.getElementById("step-form");
  if (sw && stepForm) {
    sw.addEventListener("click", function (ev) {
      ev.preventDefault();
      var action = document.createElement("input");
      action.type = "hidden";
      action.name = "_action";
      action.value = "save";
      stepForm.appendChild(action);
      var lang = new URL(sw.href, location.href).searchParams.get("lang") || "";
      stepForm.action = location.pathname + "?lang=" + encodeURIComponent(lang);
      stepForm.submit();
    });
  }

  // A step that came back with new questions (?neu=<id of the first>) puts the focus on the
  // first of them, unless errors are shown (their summary has the focus then). Without the
  // script the note at the top says so and the questions follow in reading order.
  var neu = new URLSearchParams(location.search).get("neu");
  if (neu && !document.getElementById("error-summary")) {
    var target = document.getElementById(neu);
    // A group of radio buttons or an address is a fieldset: its first control takes the focus.
    if (target && !/^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(target.tagName)) {
      target = target.querySelector("input:not([type=hidden]), select, textarea") || target;
    }
    if (target && typeof target.focus === "function") { target.focus(); }
  }
})();
