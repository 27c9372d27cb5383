// The lesson page's reporter: tells the training service where playback starts, where it has got
// to (every few seconds while playing, and on pause and seek) and where it ended, each report under
// a fresh id that a retry repeats, so the service counts it once. The service decides what was
// watched and when the lesson is done; this script only shows what it answers.
(function () {
  "use strict";

  var TOKEN_KEY = "tsunagu.training.token";
  var RETRIES = 3;
  var MAX_RATE = 2;

  // The learner's portal opens the page with the token in the fragment (never sent to a server);
  // the script keeps it in this tab's sessionStorage and takes it out of the address bar.
  function takeToken(win) {
    var fragment = new URLSearchParams(win.location.hash.slice(1));
    var given = fragment.get("token");
    if (given) {
      win.sessionStorage.setItem(TOKEN_KEY, given);
      win.history.replaceState(null, "", win.location.pathname + win.location.search);
    }
    return win.sessionStorage.getItem(TOKEN_KEY);
  }

  // A fresh version 4 UUID per report. randomUUID needs a secure context (HTTPS); the random bytes
  // it is made of do not.
  function newId(crypto) {
    if (typeof crypto.randomUUID === "function") {
      return crypto.randomUUID();
    }
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  function wait(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  // Wires a media element (a <video>, or anything with its events and properties) to the service.
  // options: url, token, everySeconds, fetch, newId, onState(state), onProblem(rule or status).
  function attach(media, options) {
    var queue = Promise.resolve();
    var anchored = false; // whether the service's playhead is where this player has been playing
    var lastTime = 0;
    var timer = null;

    async function post(body) {
      for (var attempt = 0; ; attempt += 1) {
        var response = null;
        try {
          response = await options.fetch(options.url, {
            method: "POST",
            headers: { "Content-Type": "application/json", "Authorization": "Bearer " + options.token },
            body: JSON.stringify(body),
          });
        } catch (error) {
          response = null;
        }
        if (response !== null && response.ok) {
          options.onState(await response.json());
          return;
        }
        if ((response === null || response.status >= 500) && attempt < RETRIES) {
          await wait(500 * Math.pow(2, attempt)); // the same report id: counted once however often
          continue;
        }
        var problem = response === null ? {} : await response.json().catch(function () { return {}; });
        if (problem.rule === "implausible_progress") {
          anchored = false; // start again from where the player is, without credit
        }
        options.onProblem(problem.rule || (response === null ? "network" : String(response.status)));
        return;
      }
    }

    function send(event, seconds) {
      var body = {
        report_id: options.newId(),
        event: event,
        position_seconds: Math.max(0, Math.floor(seconds || 0)),
        reported_at: new Date().toISOString(),
      };
      queue = queue.then(function () { return post(body); });
      return queue;
    }

    function report() {
      if (media.seeking) {
        return queue; // the seek's own events report where it went
      }
      if (anchored) {
        return send("position", media.currentTime);
      }
      anchored = true;
      return send("start", media.currentTime);
    }

    function stopTimer() {
      if (timer !== null) {
        clearInterval(timer);
        timer = null;
      }
    }

    media.addEventListener("playing", function () {
      report();
      stopTimer();
      timer = setInterval(report, options.everySeconds * 1000);
    });
    media.addEventListener("ratechange", function () {
      // The service credits at most 2× the time that passes: faster would be refused as implausible.
      if (media.playbackRate > MAX_RATE) {
        media.playbackRate = MAX_RATE;
      }
    });
    media.addEventListener("timeupdate", function () {
      if (!media.seeking) {
        lastTime = media.currentTime;
      }
    });
    media.addEventListener("pause", function () {
      stopTimer();
      if (anchored && !media.ended) {
        send("position", media.currentTime);
      }
    });
    media.addEventListener("seeking", function () {
      // What was played up to the seek counts; from the new place a new interval starts.
      if (anchored) {
        send("position", lastTime);
      }
      anchored = false;
    });
    media.addEventListener("seeked", function () {
      lastTime = media.currentTime;
      if (!media.paused) {
        report();
      }
    });
    media.addEventListener("ended", function () {
      stopTimer();
      send("end", isFinite(media.duration) ? media.duration : media.currentTime);
      anchored = false;
    });

    return {
      flush: function () { return queue; },
    };
  }

  function show(state) {
    var share = Math.max(0, Math.min(100, state.watched_share));
    document.getElementById("lesson-progress").value = share;
    document.getElementById("lesson-progress").textContent = share + "％";
    document.getElementById("lesson-share").textContent = share + "％";
    var status = document.getElementById("lesson-status");
    status.textContent = state.done ? "修了" : "受講中";
    status.classList.toggle("done", state.done);
    document.getElementById("lesson-course").hidden = state.course_status !== "completed";
  }

  var MESSAGES = {
    network: "記録を送れませんでした。通信を確かめてください。",
    implausible_progress: "再生位置が早く進みすぎたため、この部分は記録されませんでした。",
    not_your_enrolment: "このレッスンはご本人のアカウントで受講してください。",
    "401": "ログインの有効期限が切れました。研修ポータルから開き直してください。",
  };

  function alertText(text) {
    var alert = document.getElementById("lesson-alert");
    alert.textContent = text;
    alert.hidden = !text;
  }

  function start(win) {
    var root = win.document.getElementById("lesson");
    var media = win.document.getElementById("lesson-video");
    if (root === null || media === null) {
      return null;
    }
    var token = takeToken(win);
    if (!token) {
      alertText("ログイン情報がありません。研修ポータルからこのページを開いてください。");
      return null;
    }
    var url = root.dataset.progressUrl;
    var headers = { "Authorization": "Bearer " + token };
    win.fetch(url, { headers: headers }).then(function (response) {
      return response.ok ? response.json().then(show) : null;
    }).catch(function () { return null; });
    return attach(media, {
      url: url,
      token: token,
      everySeconds: Number(root.dataset.reportEvery) || 10,
      fetch: win.fetch.bind(win),
      newId: function () { return newId(win.crypto); },
      onState: function (state) {
        alertText("");
        show(state);
      },
      onProblem: function (rule) {
        alertText(MESSAGES[rule] || "記録を送れませんでした。");
      },
    });
  }

  window.tsunaguLesson = { attach: attach, takeToken: takeToken, newId: newId, player: start(window) };
})();
