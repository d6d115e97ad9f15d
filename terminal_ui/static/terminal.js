// Handheld scan pages: every scan (text + Enter from the wedge scanner) is taken from the
// input at once, queued, and sent in order; the input is never disabled or replaced.
// A scan that cannot be sent (no network, or the gateway or its database cannot answer:
// 502, 503, 504) stays queued under an offline banner and is resent with the same step
// fields and scan id, so the gateway applies it once. The queue is kept in localStorage
// until each scan is answered: a reloaded page sends what was waiting, in order.
(function () {
  "use strict";
  var queue = [];
  var STORE = "wms-waiting:";
  var sending = false;
  var retryTimer = null;
  var audio = null;

  function scanInput() { return document.getElementById("scan"); }

  function focusScan() {
    var input = scanInput();
    if (input && document.activeElement !== input) input.focus({ preventScroll: true });
  }

  function beep(kind) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var tones = kind === "error" ? [[220, 0, 0.18], [180, 0.24, 0.18]] : [[1046, 0, 0.08]];
      tones.forEach(function (t) {
        var osc = audio.createOscillator();
        var gain = audio.createGain();
        osc.type = kind === "error" ? "square" : "sine";
        osc.frequency.value = t[0];
        gain.gain.value = 0.25;
        osc.connect(gain).connect(audio.destination);
        osc.start(audio.currentTime + t[1]);
        osc.stop(audio.currentTime + t[1] + t[2]);
      });
    } catch (e) { /* no sound on this browser */ }
    if (navigator.vibrate) navigator.vibrate(kind === "error" ? [200, 80, 200] : 40);
  }

  function announce(root) {
    var outcome = root && root.querySelector && root.querySelector("[data-outcome]");
    if (!outcome) return;
    var kind = outcome.getAttribute("data-outcome");
    if (kind === "ok" || kind === "error") beep(kind);
    document.body.setAttribute("data-last-outcome", kind);
  }

  function applyStepSettings() {
    var step = document.getElementById("step");
    var input = scanInput();
    if (!step || !input) return;
    input.setAttribute("inputmode", step.getAttribute("data-input") === "numeric" ? "numeric" : "none");
    input.placeholder = step.getAttribute("data-placeholder") || "";
  }

  function showOffline(message) {
    var banner = document.getElementById("offline");
    if (!banner) return;
    banner.querySelector(".text").textContent = message;
    banner.querySelector(".resend").hidden = queue.length === 0;  // a station: the bridge resends
    banner.querySelector(".count").textContent = queue.length > 1 ?
      "(" + queue.length + " " + document.body.getAttribute("data-waiting") + ")" : "";
    banner.hidden = false;
    document.body.setAttribute("data-connection", "lost");
  }

  function hideOffline() {
    var banner = document.getElementById("offline");
    if (banner) banner.hidden = true;
    document.body.removeAttribute("data-connection");
  }

  // How many scans are typed but not yet answered (shown by the page, awaited by tests).
  function showPending() {
    document.body.setAttribute("data-pending", String(queue.length));
  }

  // The waiting scans of this person on this page, as localStorage keeps them (another
  // person signed in on the same handheld neither sends nor sees them).
  function storeKey(path) {
    var user = document.body.getAttribute("data-user");
    return user ? STORE + user + ":" + path : null;
  }

  function save() {
    var form = document.getElementById("scan-form");
    var key = form && storeKey(form.getAttribute("action"));
    if (!key) return;
    try {
      if (queue.length === 0) localStorage.removeItem(key);
      else localStorage.setItem(key, JSON.stringify(queue));
    } catch (e) { /* private mode or full: the scans wait in this page only */ }
  }

  function kept(path) {
    var key = storeKey(path);
    try {
      var stored = key && JSON.parse(localStorage.getItem(key) || "null");
      return Array.isArray(stored) ? stored : [];
    } catch (e) { return []; }
  }

  // What a scan sends: the step's fields as they were when it was first sent (a resend, even
  // from a reloaded page, repeats them with the same scan id), the scan and the button.
  function valuesOf(entry, form) {
    if (!entry.fields) {
      entry.fields = [];
      new FormData(form).forEach(function (value, name) {
        if (name !== "csrf_token" && name !== "scan" && typeof value === "string") {
          entry.fields.push([name, value]);
        }
      });
      save();
    }
    var values = {};
    entry.fields.forEach(function (field) { values[field[0]] = field[1]; });
    values.scan = entry.scan;
    if (entry.name) values[entry.name] = entry.value;
    return values;
  }

  // The gateway's own line for a scan it cannot take now (the database is away), else ours.
  function failureOf(evt) {
    var body = document.body;
    if (evt.type !== "htmx:responseError") return body.getAttribute("data-offline") || "offline";
    var xhr = evt.detail && evt.detail.xhr;
    if (xhr && xhr.status === 503 && xhr.responseText) {
      var answer = new DOMParser().parseFromString(xhr.responseText, "text/html");
      var line = answer.querySelector("[data-unavailable]");
      if (line && line.getAttribute("data-unavailable")) return line.getAttribute("data-unavailable");
    }
    return body.getAttribute("data-server-error") || "offline";
  }

  function sendNext() {
    showPending();
    if (sending || queue.length === 0) return;
    var form = document.getElementById("scan-form");
    if (!form) return;
    sending = true;
    var entry = queue[0];
    // The request comes from the page, not the form, so that it carries exactly the values
    // below and not the fields of whatever step the form shows now.
    var source = document.body;
    var failure = null;
    function onError(evt) { failure = failureOf(evt); }
    source.addEventListener("htmx:sendError", onError);
    source.addEventListener("htmx:timeout", onError);
    source.addEventListener("htmx:responseError", onError);
    function settle() {
      source.removeEventListener("htmx:sendError", onError);
      source.removeEventListener("htmx:timeout", onError);
      source.removeEventListener("htmx:responseError", onError);
      sending = false;
      if (failure) {
        showOffline(failure);
        clearTimeout(retryTimer);
        retryTimer = setTimeout(sendNext, 5000);
        return;
      }
      queue.shift();
      save();
      hideOffline();
      showPending();
      sendNext();
    }
    htmx.ajax("POST", form.getAttribute("action"), {
      source: source, target: "#step", swap: "outerHTML", values: valuesOf(entry, form)
    }).then(settle, function () { if (!failure) onError({ type: "htmx:sendError" }); settle(); });
  }

  // Enter alone means something only at a quantity step ("press Enter for 2"), and only once
  // a person could have read that step: an Enter while the scan before it is unanswered, or
  // within READ_MS of the step coming on screen, is the second Enter of a scanner's double
  // Enter (its two Enters come milliseconds apart; the gateway may answer in between).
  var READ_MS = 200;
  var shownStep = null;
  var shownAt = 0;

  function noteStep() {
    var step = document.getElementById("step");
    if (step !== shownStep) {
      shownStep = step;
      shownAt = Date.now();
    }
  }

  function enterConfirms() {
    var step = document.getElementById("step");
    return !!step && step.getAttribute("data-input") === "numeric" && queue.length === 0 &&
      step === shownStep && Date.now() - shownAt >= READ_MS;
  }

  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    if (!form || form.id !== "scan-form" || !window.htmx) return;
    evt.preventDefault();
    evt.stopPropagation();
    var input = scanInput();
    var submitter = evt.submitter && evt.submitter.name ? evt.submitter : null;
    if (!submitter && input && input.value.trim() === "" && !enterConfirms()) {
      input.value = "";
      focusScan();
      return;  // an empty scan does nothing: no request, the last banner stays
    }
    queue.push({
      scan: input ? input.value : "",
      name: submitter ? submitter.name : null,
      value: submitter ? submitter.value : null
    });
    save();
    if (input) input.value = "";
    focusScan();
    sendNext();
  }, true);

  document.addEventListener("click", function (evt) {
    if (evt.target.closest && evt.target.closest("#offline .resend")) {
      clearTimeout(retryTimer);
      sendNext();
    }
  });

  // Taps anywhere but on a control give the focus back to the scan input.
  document.addEventListener("pointerup", function (evt) {
    if (!evt.target.closest("a, button, input, select, textarea, label, summary")) focusScan();
  });

  window.addEventListener("online", function () { clearTimeout(retryTimer); sendNext(); });

  // A station screen asks for itself every second. While someone types on it (a field of it
  // has the focus, or the typed-scan field holds text), the refresh waits: it would throw away
  // what they are typing. Their own submission answers with the new screen anyway.
  function typingAtStation(live) {
    var active = document.activeElement;
    if (active && live.contains(active) && /^(INPUT|SUMMARY|SELECT|TEXTAREA)$/.test(active.tagName)) {
      return true;
    }
    var typed = live.querySelector("details.typed[open] input[name=scan]");
    return !!typed && typed.value !== "";
  }

  function isStationRefresh(detail) {
    var live = detail.elt;
    return !!live && live.id === "live" && detail.requestConfig && detail.requestConfig.verb === "get";
  }

  document.addEventListener("htmx:beforeRequest", function (evt) {
    if (isStationRefresh(evt.detail) && typingAtStation(evt.detail.elt)) evt.preventDefault();
  });

  document.addEventListener("htmx:beforeSwap", function (evt) {
    if (isStationRefresh(evt.detail) && typingAtStation(evt.detail.elt)) evt.detail.shouldSwap = false;
  });

  // A station screen that cannot follow its station (no network, the gateway or its database
  // away) says so under the same line; the bridge keeps the station's scans meanwhile. The
  // line goes at the first refresh that is answered again.
  function stationTrouble(evt) {
    if (isStationRefresh(evt.detail)) showOffline(failureOf(evt));
  }
  document.addEventListener("htmx:responseError", stationTrouble);
  document.addEventListener("htmx:sendError", stationTrouble);
  document.addEventListener("htmx:timeout", stationTrouble);
  document.addEventListener("htmx:afterRequest", function (evt) {
    if (isStationRefresh(evt.detail) && evt.detail.successful && queue.length === 0) hideOffline();
  });

  // Opening the typed-scan panel puts the cursor in its field.
  document.addEventListener("toggle", function (evt) {
    var details = evt.target;
    if (!details.matches || !details.matches("details.typed") || !details.open) return;
    var input = details.querySelector("input[name=scan]");
    if (input) input.focus();
  }, true);

  // The new step's input mode applies as soon as it is swapped in, before the scan counts as
  // answered (settling comes a moment later).
  document.addEventListener("htmx:afterSwap", function () {
    noteStep();
    applyStepSettings();
  });

  document.addEventListener("htmx:afterSettle", function (evt) {
    applyStepSettings();
    announce(evt.detail.elt);
    focusScan();
  });

  // Scans kept from before a reload: sent first, in order, under the waiting line. A page
  // that cannot be served now (no scan form) still shows that they wait.
  function resumeKept() {
    var form = document.getElementById("scan-form");
    var waiting = kept(form ? form.getAttribute("action") : window.location.pathname);
    if (waiting.length === 0) return;
    queue = waiting.concat(queue);
    showOffline(document.body.getAttribute("data-kept") || "waiting");
    sendNext();
  }

  document.addEventListener("DOMContentLoaded", function () {
    noteStep();
    resumeKept();
    showPending();
    applyStepSettings();
    announce(document.querySelector("main"));
    focusScan();
  });
})();
