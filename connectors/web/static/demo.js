/* Demo intranet: the chosen demo user lives in a cookie (like an SSO session); the widget's token
   endpoint (/dev/token) reads it. Switching user tells the widget to fetch a new token. */
(function () {
  "use strict";
  var COOKIE = "hrbot_demo_user";
  function current() {
    var m = document.cookie.match(/(?:^|;\s*)hrbot_demo_user=([^;]*)/);
    return m ? decodeURIComponent(m[1]) : "anonymous";
  }
  function show(user) {
    var status = document.getElementById("status");
    status.textContent = user === "anonymous" ? "Browsing as a guest." : "Signed in as " + user + ".";
  }
  document.addEventListener("DOMContentLoaded", function () {
    var user = current();
    var radios = document.querySelectorAll("#users input[name=user]");
    Array.prototype.forEach.call(radios, function (r) {
      r.checked = r.value === user;
      r.addEventListener("change", function () {
        document.cookie = COOKIE + "=" + encodeURIComponent(r.value) + "; path=/; SameSite=Strict";
        show(r.value);
        if (window.HRBotWidget) window.HRBotWidget.refreshIdentity();
      });
    });
    show(user);
    fetch("/dev/token", { method: "POST" }).then(function (r) {
      if (r.status === 404) {
        document.getElementById("status").textContent =
          "Dev sign-in is disabled on this server (HRBOT_DEV_LOGIN=false or no HRBOT_JWT_SECRET): the chat runs as a guest.";
      }
    });
  });
})();
