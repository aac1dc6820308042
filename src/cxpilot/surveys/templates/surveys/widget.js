/* CX Pilot survey widget. No dependency. It draws in a Shadow DOM, so the host page's CSS
   does not reach it and its own CSS does not leak out; texts are set as text, never as HTML.
   It posts to the CX Pilot API with the survey's write-only key. */
(function (C) {
{% verbatim %}  "use strict";
  var d = document;
  if (!C || !window.fetch || !d.documentElement.attachShadow) return;
  var DAY = 864e5;
  var store = "cxpilot-survey:" + C.survey;

  function remembered() {
    try {
      var t = +localStorage.getItem(store);
      return t > 0 && C.recontact_days > 0 && Date.now() - t < C.recontact_days * DAY;
    } catch (e) {
      return false;
    }
  }
  function remember() {
    try {
      localStorage.setItem(store, String(Date.now()));
    } catch (e) {
      /* storage blocked: nothing to remember */
    }
  }
  if (!C.customer && remembered()) return;

  var lang = (C.lang || d.documentElement.lang || navigator.language || "").slice(0, 2).toLowerCase();
  if (!C.ui[lang]) lang = C.default_language;
  var ui = C.ui[lang];

  function tr(texts) {
    texts = texts || {};
    if (texts[lang]) return texts[lang];
    if (texts[C.default_language]) return texts[C.default_language];
    for (var k in texts) if (texts[k]) return texts[k];
    return "";
  }
  function el(tag, attrs, text) {
    var node = d.createElement(tag);
    for (var name in attrs || {}) node.setAttribute(name, attrs[name]);
    if (text) node.textContent = text;
    return node;
  }
  function uid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var s = "";
    for (var i = 0; i < 32; i++) s += Math.floor(Math.random() * 16).toString(16);
    return s;
  }

  var SCALES = { nps: [0, 10], ces: [1, 7], csat: [1, 5] };
  var CSS =
    ":host{all:initial;position:fixed;z-index:2147483000;right:16px;bottom:16px;left:auto;display:block}" +
    ".p{box-sizing:border-box;width:min(380px,calc(100vw - 32px));max-height:calc(100vh - 32px);overflow:auto;" +
    "background:#fff;color:#1c2430;border:1px solid #8a95a5;border-radius:8px;box-shadow:0 6px 24px rgba(0,0,0,.2);" +
    "font:16px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;padding:14px 16px}" +
    "*{box-sizing:border-box}" +
    ".h{display:flex;justify-content:space-between;align-items:flex-start;gap:8px}" +
    "h2{font-size:17px;margin:0 0 8px;font-weight:700}" +
    "p{margin:0 0 10px}" +
    ".x{font:inherit;font-size:22px;line-height:1;background:none;border:0;color:#1c2430;cursor:pointer;padding:2px 6px;border-radius:4px}" +
    ":focus-visible{outline:3px solid #1d4f91;outline-offset:2px}" +
    "fieldset{border:0;margin:0 0 12px;padding:0;min-width:0}" +
    "legend,label.l{display:block;font-weight:600;margin-bottom:6px;padding:0}" +
    ".s{display:grid;grid-template-columns:repeat(auto-fit,minmax(30px,1fr));gap:4px}" +
    ".s label{position:relative;display:block}" +
    ".s input{position:absolute;inset:0;width:100%;height:100%;margin:0;opacity:0;cursor:pointer}" +
    ".s span{display:flex;align-items:center;justify-content:center;min-height:36px;border:2px solid #8a95a5;border-radius:6px;font-weight:600}" +
    ".s input:checked+span{background:#1d4f91;border-color:#143a6b;color:#fff}" +
    ".s input:focus-visible+span{outline:3px solid #143a6b;outline-offset:2px}" +
    ".e{display:flex;justify-content:space-between;font-size:13px;color:#4d5868;margin-top:2px}" +
    ".c label{display:flex;gap:8px;align-items:center;min-height:32px}" +
    "textarea{display:block;width:100%;font:inherit;padding:6px;border:2px solid #8a95a5;border-radius:6px;color:#1c2430;background:#fff}" +
    ".b{font:inherit;font-weight:600;border:0;border-radius:6px;background:#1d4f91;color:#fff;padding:8px 18px;cursor:pointer}" +
    ".b:hover{background:#143a6b}" +
    ".b[disabled]{opacity:.7;cursor:wait}" +
    ".m{color:#a4161a;font-weight:600}" +
    "[hidden]{display:none!important}";

  var host = el("div", { "data-cxpilot-survey": C.survey });
  var root = host.attachShadow({ mode: "open" });
  var style = el("style");
  style.textContent = CSS;
  root.appendChild(style);

  var prefix = "cxp-" + C.survey + "-";
  var panel = el("section", { class: "p", role: "region", "aria-labelledby": prefix + "title" });
  var head = el("div", { class: "h" });
  head.appendChild(el("h2", { id: prefix + "title" }, tr(C.title) || ui.feedback));
  var close = el("button", { type: "button", class: "x", "aria-label": ui.close }, "\u00d7");
  head.appendChild(close);
  panel.appendChild(head);
  var intro = tr(C.intro);
  if (intro) panel.appendChild(el("p", null, intro));

  var form = el("form", { novalidate: "" });
  var boxes = [];
  var first = null;
  C.questions.forEach(function (q) {
    var id = prefix + q.key;
    var box = el("div", { "data-key": q.key });
    var scale = SCALES[q.kind];
    if (scale && !first && !q.show_if) first = q;
    if (q.kind === "text") {
      box.appendChild(el("label", { class: "l", for: id }, tr(q.text)));
      box.appendChild(el("textarea", { id: id, name: q.key, rows: "3", maxlength: "5000" }));
    } else {
      var set = el("fieldset");
      set.appendChild(el("legend", null, tr(q.text)));
      var group = el("div", { class: scale ? "s" : "c" });
      var options = [];
      if (scale) for (var v = scale[0]; v <= scale[1]; v++) options.push([String(v), String(v)]);
      else q.choices.forEach(function (c) { options.push([c.value, tr(c.label)]); });
      options.forEach(function (o, i) {
        var label = el("label", { for: id + "-" + i });
        var input = el("input", {
          type: q.kind === "multiple" ? "checkbox" : "radio",
          id: id + "-" + i,
          name: q.key,
          value: o[0]
        });
        label.appendChild(input);
        label.appendChild(el("span", null, o[1]));
        group.appendChild(label);
      });
      set.appendChild(group);
      if (scale) {
        var ends = el("div", { class: "e", "aria-hidden": "true" });
        ends.appendChild(el("span", null, ui[q.kind + "_low"]));
        ends.appendChild(el("span", null, ui[q.kind + "_high"]));
        set.appendChild(ends);
        set.setAttribute("aria-describedby", id + "-hint");
        var hint = el("span", { id: id + "-hint", hidden: "" },
          scale[0] + " = " + ui[q.kind + "_low"] + ", " + scale[1] + " = " + ui[q.kind + "_high"]);
        set.appendChild(hint);
      }
      box.appendChild(set);
    }
    boxes.push({ q: q, box: box });
    form.appendChild(box);
  });
  var message = el("p", { class: "m", role: "alert", hidden: "" });
  form.appendChild(message);
  var send = el("button", { type: "submit", class: "b" }, ui.send);
  form.appendChild(send);
  panel.appendChild(form);
  root.appendChild(panel);

  function score(key) {
    for (var i = 0; i < boxes.length; i++) {
      if (boxes[i].q.key !== key || boxes[i].box.hidden) continue;
      var checked = boxes[i].box.querySelector("input:checked");
      return checked ? parseInt(checked.value, 10) : null;
    }
    return null;
  }
  function update() {
    boxes.forEach(function (b) {
      var c = b.q.show_if;
      if (!c) return;
      var value = score(c.question);
      b.box.hidden = !(value !== null && (c.min === null || value >= c.min) && (c.max === null || value <= c.max));
    });
  }
  function answers() {
    var out = {};
    boxes.forEach(function (b) {
      if (b.box.hidden) return;
      var q = b.q;
      if (q.kind === "text") {
        var text = b.box.querySelector("textarea").value.trim();
        if (text) out[q.key] = text;
        return;
      }
      var picked = [];
      b.box.querySelectorAll("input:checked").forEach(function (i) { picked.push(i.value); });
      if (!picked.length) return;
      if (SCALES[q.kind]) out[q.key] = parseInt(picked[0], 10);
      else out[q.key] = q.kind === "multiple" ? picked : picked[0];
    });
    return out;
  }
  function finish(text) {
    form.remove();
    var done = el("p", { role: "status", tabindex: "-1" }, text);
    panel.appendChild(done);
    done.focus();
    remember();
  }
  function dismiss() {
    remember();
    host.remove();
  }

  var idempotency = uid();
  form.addEventListener("change", update);
  close.addEventListener("click", dismiss);
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") dismiss();
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var body = answers();
    message.hidden = true;
    if (first && body[first.key] === undefined) {
      message.textContent = ui.required;
      message.hidden = false;
      var target = form.querySelector('[data-key="' + first.key + '"] input');
      if (target) target.focus();
      return;
    }
    send.disabled = true;
    send.textContent = ui.sending;
    var payload = { answers: body, language: lang, channel: "widget" };
    if (C.customer) payload.customer_id = C.customer;
    if (C.touchpoint) payload.touchpoint = C.touchpoint;
    fetch(C.api, {
      method: "POST",
      mode: "cors",
      credentials: "omit",
      headers: {
        "Content-Type": "application/json",
        "X-Survey-Key": C.key,
        "Idempotency-Key": idempotency
      },
      body: JSON.stringify(payload)
    })
      .then(function (response) {
        if (response.ok || response.status === 409) finish(tr(C.thanks) || ui.thanks);
        else throw new Error(String(response.status));
      })
      .catch(function () {
        message.textContent = ui.error;
        message.hidden = false;
        send.disabled = false;
        send.textContent = ui.send;
      });
  });

  update();
  function mount() {
    d.body.appendChild(host);
  }
  if (d.body) mount();
  else d.addEventListener("DOMContentLoaded", mount);
{% endverbatim %}})({{ config }});
