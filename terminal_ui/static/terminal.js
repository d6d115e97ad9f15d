// Handheld scan pages: every scan (text + Enter from the wedge scanner) is taken from the
// input at once, queued, and sent in order; the input is never disabled or replaced.
// A scan that cannot be sent stays queued under an offline banner and is resent with the
// same scan id, so the gateway applies it once.
(function () {
  "use strict";
  var queue = [];
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

  function sendNext() {
    showPending();
    if (sending || queue.length === 0) return;
    var form = document.getElementById("scan-form");
    if (!form) return;
    sending = true;
    var entry = queue[0];
    var values = { scan: entry.scan };
    if (entry.name) values[entry.name] = entry.value;
    var failure = null;
    function onError(evt) {
      failure = (evt.type === "htmx:responseError" ?
        document.body.getAttribute("data-server-error") :
        document.body.getAttribute("data-offline")) || "offline";
    }
    form.addEventListener("htmx:sendError", onError);
    form.addEventListener("htmx:timeout", onError);
    form.addEventListener("htmx:responseError", onError);
    function settle() {
      form.removeEventListener("htmx:sendError", onError);
      form.removeEventListener("htmx:timeout", onError);
      form.removeEventListener("htmx:responseError", onError);
      sending = false;
      if (failure) {
        showOffline(failure);
        clearTimeout(retryTimer);
        retryTimer = setTimeout(sendNext, 5000);
        return;
      }
      queue.shift();
      hideOffline();
      showPending();
      sendNext();
    }
    htmx.ajax("POST", form.getAttribute("action"), {
      source: form, target: "#step", swap: "outerHTML", values: values
    }).then(settle, function () { if (!failure) onError({ type: "htmx:sendError" }); settle(); });
  }

  // Enter alone means something only at a quantity step ("press Enter for 2"), and only once
  // that step is on screen: an Enter while the scan before it is unanswered is the second
  // Enter of a double Enter.
  function enterConfirms() {
    var step = document.getElementById("step");
    return !!step && step.getAttribute("data-input") === "numeric" && queue.length === 0;
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

  // Opening the typed-scan panel puts the cursor in its field.
  document.addEventListener("toggle", function (evt) {
    var details = evt.target;
    if (!details.matches || !details.matches("details.typed") || !details.open) return;
    var input = details.querySelector("input[name=scan]");
    if (input) input.focus();
  }, true);

  // The new step's input mode applies as soon as it is swapped in, before the scan counts as
  // answered (settling comes a moment later).
  document.addEventListener("htmx:afterSwap", applyStepSettings);

  document.addEventListener("htmx:afterSettle", function (evt) {
    applyStepSettings();
    announce(evt.detail.elt);
    focusScan();
  });

  document.addEventListener("DOMContentLoaded", function () {
    showPending();
    applyStepSettings();
    announce(document.querySelector("main"));
    focusScan();
  });
})();
