/* VoC dashboard: draws each chart from its Vega-Lite spec (a <script type="application/json">
   next to it) with vega-embed. Without JavaScript the tables under the charts hold the numbers. */
(function () {
  "use strict";

  var script = document.currentScript;
  var text = script ? script.dataset : {};

  // French number and date formats (d3-format / d3-time-format locales).
  var FR = {
    number: { decimal: ",", thousands: "\u202f", grouping: [3], currency: ["", "\u00a0€"], percent: "\u202f%" },
    time: {
      dateTime: "%A %e %B %Y à %X",
      date: "%d/%m/%Y",
      time: "%H:%M:%S",
      periods: ["AM", "PM"],
      days: ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"],
      shortDays: ["dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."],
      months: ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
        "septembre", "octobre", "novembre", "décembre"],
      shortMonths: ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.",
        "oct.", "nov.", "déc."]
    }
  };

  function options() {
    var opts = {
      renderer: "svg",
      actions: { export: true, source: false, compiled: false, editor: false },
      // Links to the verbatims open in the same tab.
      loader: { target: "_self" },
      // Vega expressions run in vega-embed's interpreter, not through eval (new Function): the
      // pages' Content-Security-Policy forbids eval.
      ast: true,
      i18n: {
        SVG_ACTION: text.saveSvg || "Save as SVG",
        PNG_ACTION: text.savePng || "Save as PNG"
      }
    };
    if ((document.documentElement.lang || "").slice(0, 2) === "fr") {
      opts.formatLocale = FR.number;
      opts.timeFormatLocale = FR.time;
    }
    return opts;
  }

  function draw(container) {
    var source = document.getElementById(container.dataset.spec);
    if (!source || typeof window.vegaEmbed !== "function") {
      return;
    }
    var spec = JSON.parse(source.textContent);
    window.vegaEmbed(container, spec, options()).catch(function (error) {
      container.textContent = text.error || "The chart could not be drawn.";
      container.classList.add("chart-error");
      if (window.console) {
        window.console.warn(error);
      }
    });
  }

  function start() {
    var charts = document.querySelectorAll(".vega-chart[data-spec]");
    for (var i = 0; i < charts.length; i++) {
      draw(charts[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
