// Trialscout pages: the eligibility checklist (answers kept in this tab only), printing, location.
// No answer is ever sent: nothing here makes a request. Loaded with `defer`; no inline scripts (CSP).
"use strict";

(function () {
  function show(el) { if (el) { el.hidden = false; } }

  // -- eligibility checklist ---------------------------------------------------------------
  var list = document.querySelector(".checklist");
  if (list) {
    var key = "trialscout:checklist:" + list.getAttribute("data-trial");
    var tally = list.querySelector(".tally");
    var store = null;
    try { store = window.sessionStorage; } catch (e) { store = null; }  // blocked storage: in-page only

    var load = function () {
      try { return JSON.parse((store && store.getItem(key)) || "{}"); } catch (e) { return {}; }
    };
    var save = function (answers) {
      if (store) { try { store.setItem(key, JSON.stringify(answers)); } catch (e) { /* full: keep in page */ } }
    };
    var count = function (prefix) {
      var out = { yes: 0, no: 0, unsure: 0, open: 0 };
      list.querySelectorAll("[data-criterion^='" + prefix + "-']").forEach(function (item) {
        if (item.querySelector(".criteria")) { return; }  // a heading item: its children are answered
        var picked = item.querySelector("input:checked");
        out[picked ? picked.value : "open"] += 1;
      });
      return out;
    };
    var update = function () {
      var inc = count("inc"), exc = count("exc");
      var parts = [];
      parts.push("You should: " + inc.yes + " yes, " + inc.no + " no, " + inc.unsure + " not sure, " + inc.open + " not answered.");
      parts.push("You should not: " + exc.yes + " yes, " + exc.no + " no, " + exc.unsure + " not sure, " + exc.open + " not answered.");
      if (inc.no > 0 || exc.yes > 0) {
        parts.push("Some answers suggest this trial may not be for you: ask the study team, they decide.");
      } else if (inc.unsure + exc.unsure > 0) {
        parts.push("Bring the points you are not sure about to your doctor.");
      }
      parts.push("This is not a medical decision.");
      tally.textContent = parts.join(" ");
    };
    var answers = load();
    list.querySelectorAll("input[type=radio]").forEach(function (input) {
      if (answers[input.name] === input.value) { input.checked = true; }
      input.addEventListener("change", function () {
        answers[input.name] = input.value;
        save(answers);
        update();
      });
    });
    var clear = list.querySelector(".clear");
    clear.addEventListener("click", function () {
      answers = {};
      if (store) { store.removeItem(key); }
      list.querySelectorAll("input:checked").forEach(function (i) { i.checked = false; });
      update();
    });
    show(tally);
    show(clear);
    update();
  }

  // -- print for the doctor ----------------------------------------------------------------
  document.querySelectorAll("button.print").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
    show(b);
  });

  // -- the browser's location fills the place box, if the user allows it --------------------
  var locate = document.getElementById("use-location");
  if (locate && navigator.geolocation) {
    show(locate);
    locate.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (pos) {
        var near = document.querySelector("input[name=near]");
        near.value = pos.coords.latitude.toFixed(3) + "," + pos.coords.longitude.toFixed(3);
      });
    });
  }
})();

// -- similar trials: loaded after the trial page, from the same server-rendered (escaped) page ----
(function () {
  var section = document.querySelector("section.similar[data-src]");
  if (!section || !window.fetch || !window.DOMParser) { return; }
  var link = section.querySelector(".similar-link");
  link.textContent = "Loading similar trials…";
  fetch(section.getAttribute("data-src"), { credentials: "same-origin" })
    .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
    .then(function (html) {
      var list = new DOMParser().parseFromString(html, "text/html").querySelector(".similar-list");
      if (!list) { throw new Error("no list"); }
      link.replaceWith(document.importNode(list, true));
    })
    .catch(function () {
      link.innerHTML = "";
      var a = document.createElement("a");
      a.href = section.getAttribute("data-src");
      a.textContent = "See open trials like this one";
      link.appendChild(a);
    });
})();

// -- search forms leave their empty fields out of the URL, so shared links stay short ----------
document.querySelectorAll("form[method=get]").forEach(function (form) {
  form.addEventListener("submit", function () {
    form.querySelectorAll("input, select").forEach(function (field) {
      if (field.name && !field.value) { field.disabled = true; }
    });
    // A back navigation shows the form again: give its fields back.
    window.setTimeout(function () {
      form.querySelectorAll("[disabled]").forEach(function (f) { f.disabled = false; });
    }, 0);
  });
});
