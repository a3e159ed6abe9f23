// The group-chat simulator: post what the resident types, long-poll for what the bot says and sends to workers.
"use strict";
(function () {
  var root = document.getElementById("simulator");
  if (!root) { return; }
  var group = root.dataset.group, csrf = root.dataset.csrf, since = 0, stopped = false, first = true;
  var messages = document.getElementById("messages"), inbox = document.getElementById("inbox");
  var names = {};
  document.querySelectorAll("#person option").forEach(function (o) { names[o.value.split(":").slice(1).join(":")] = o.textContent; });

  function bubble(line) {
    var box = document.createElement("div");
    box.className = "msg " + line.kind;
    box.dataset.seq = line.seq;
    var head = document.createElement("div");
    head.className = "who";
    var who = line.who;
    if (line.kind === "to_worker") { who = "网格小助手 → " + (names[line.target] || line.target); }
    if (line.kind === "from_worker") { who = line.who + " → 网格小助手"; }
    head.textContent = who + "  " + line.at;
    var body = document.createElement("div");
    body.className = "text";
    body.textContent = (line.kind === "bot" && line.mention ? "@" + line.mention + " " : "") + line.text;
    box.appendChild(head);
    box.appendChild(body);
    return box;
  }

  function show(lines) {
    lines.forEach(function (line) {
      var target = (line.kind === "resident" || line.kind === "bot") ? messages : inbox;
      target.appendChild(bubble(line));
      target.scrollTop = target.scrollHeight;
    });
  }

  function poll() {
    if (stopped) { return; }
    fetch("/console/simulator/feed?group=" + encodeURIComponent(group) + "&since=" + since + "&wait=" + (first ? 0 : 15),
          { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) { show(data.lines); since = data.since; first = false; poll(); })
      .catch(function () { setTimeout(poll, 2000); });
  }

  function post(url, payload) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(payload)
    }).then(function (r) {
      if (!r.ok) { return r.json().then(function (e) { window.alert(e.error || "发送失败"); }); }
    });
  }

  document.getElementById("composer").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = document.getElementById("text");
    post("/console/simulator/say", {
      group: group, name: document.getElementById("resident").value, text: text.value,
      mention: document.getElementById("mention").checked
    });
    text.value = "";
  });
  document.getElementById("whisper").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = document.getElementById("whisper-text");
    post("/console/simulator/whisper", { group: group, person: document.getElementById("person").value, text: text.value });
    text.value = "";
  });
  window.addEventListener("beforeunload", function () { stopped = true; });
  poll();
})();
