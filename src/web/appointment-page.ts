import { LANGUAGES, type Catalogue } from "../locales/catalogue";

/**
 * SCH-5: the customer's visit page behind the SMS link. Small (no framework, no external
 * requests), mobile-first, accessible (labels, focus order, an aria-live status line), in the
 * customer's language (chosen by the server; a switch at the top changes and remembers it). It
 * speaks only the public appointment API with the token from its own URL, and follows the visit
 * without a reload by polling that API with back-off.
 */
/** What the server already knows when it sends the page: the first paint draws from it, without an API call. */
export interface VisitPrefetch {
  context: unknown;
  first: { date: string; day: unknown } | null;
  problem: { code: string; status: number; detail: string } | null;
}

export function appointmentPage(
  nonce: string,
  words: Catalogue,
  company: { name: string; phone: string },
  prefetched: VisitPrefetch | null = null,
): string {
  const t = words.page;
  const boot = JSON.stringify({ locale: words.locale, t, company, prefetched }).replace(/</g, "\\u003c");
  const esc = (s: string) =>
    s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
  const lang = words.locale.split("-")[0];
  const yesNo = (name: string, label: string) => `
      <fieldset><legend>${esc(label)}</legend>
        <label class="inline"><input type="radio" name="${name}" value="Yes" required> ${esc(t.yes)}</label>
        <label class="inline"><input type="radio" name="${name}" value="No"> ${esc(t.no)}</label>
      </fieldset>`;
  // A rating as a row of buttons (radio inputs under the hood), its good end named under the question.
  const scale = (name: string, from: number, to: number, label: string, ends: string, stars = false) => {
    const options = [];
    for (let n = from; n <= to; n++)
      options.push(
        `<label class="pick${stars ? " star" : ""}"><input type="radio" name="${name}" value="${n}" required${stars ? ` aria-label="${esc(t.stars.replace("{n}", String(n)))}"` : ""}><span aria-hidden="${stars}">${stars ? "★" : n}</span></label>`,
      );
    return `
      <fieldset class="scale"><legend id="${name}-label">${esc(label)}</legend>
        <p class="muted ends" id="${name}-ends">${esc(ends)}</p>
        <div class="picks${stars ? " stars" : ""}" role="radiogroup" aria-labelledby="${name}-label" aria-describedby="${name}-ends">${options.join("")}</div>
      </fieldset>`;
  };
  const languages = Object.entries(LANGUAGES)
    .map(
      ([code, c]) =>
        `<a href="?lang=${code}" lang="${code}" hreflang="${code}"${c.locale === words.locale ? ' aria-current="true"' : ""}>${esc(c.page.language_name)}</a>`,
    )
    .join(" ");
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(t.title)} · ${esc(company.name)}</title>
<style nonce="${nonce}">
  :root { --fg:#1b1f24; --muted:#57606a; --accent:#0b5cad; --ok:#116329; --bad:#a40e26; --bg:#f6f8fa; }
  * { box-sizing: border-box; }
  body { margin:0; font:16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--fg); background:var(--bg); }
  main { max-width: 34rem; margin: 0 auto; padding: 1rem; }
  .company { color: var(--muted); margin: 0; font-weight: 600; }
  h1 { font-size: 1.35rem; margin: .25rem 0 .75rem; }
  h1:focus { outline: none; }
  h2 { font-size: 1.1rem; margin: 0 0 .5rem; }
  section { background:#fff; border:1px solid #d0d7de; border-radius: .75rem; padding: 1rem; margin-bottom: 1rem; }
  dl { display:grid; grid-template-columns: auto 1fr; gap:.25rem .75rem; margin:0; }
  dt { color: var(--muted); }
  dd { margin:0; font-weight: 600; }
  label, legend { display:block; font-weight:600; margin: .75rem 0 .25rem; }
  label.inline { display:inline-flex; gap:.35rem; align-items:center; font-weight: 400; margin: 0 1rem 0 0; min-height: 44px; }
  label.inline input { width:auto; }
  fieldset { border: 0; padding: 0; margin: 0; }
  input, select, textarea { font: inherit; width:100%; padding:.6rem; border:1px solid #8c959f; border-radius:.5rem; }
  .slots { display:grid; grid-template-columns: repeat(auto-fill, minmax(5.5rem, 1fr)); gap:.5rem; margin-top:.75rem; }
  .slots.windows { grid-template-columns: repeat(auto-fill, minmax(8.5rem, 1fr)); }
  button { font: inherit; min-height: 44px; border-radius:.5rem; border:1px solid var(--accent); background:#fff; color:var(--accent); padding:.5rem .75rem; cursor:pointer; }
  button[aria-pressed="true"] { background: var(--accent); color:#fff; }
  button:disabled { border-color:#d0d7de; color:#6e7781; cursor:not-allowed; text-decoration: line-through; }
  button.yours, button.yours:disabled { border: 2px solid var(--ok); color: var(--ok); background: #dafbe1; text-decoration: none; font-weight: 700; }
  button.primary { background: var(--accent); color:#fff; width:100%; margin-top: .75rem; }
  button.primary:disabled { background:#eaeef2; color:#57606a; text-decoration:none; }
  button.danger { border-color: var(--bad); color: var(--bad); width: 100%; margin-top: .5rem; }
  .top { display:flex; justify-content: space-between; align-items: baseline; gap: 1rem; flex-wrap: wrap; }
  nav.langs a { color: var(--accent); margin-left: .5rem; display:inline-block; min-height: 44px; line-height: 44px; }
  nav.langs a[aria-current] { color: var(--fg); font-weight: 700; text-decoration: none; }
  .maps a { display:inline-block; margin: .25rem 1rem 0 0; min-height: 44px; line-height: 44px; color: var(--accent); font-weight: 600; }
  #contact a { color: var(--accent); font-weight: 700; }
  .picks { display:flex; flex-wrap: wrap; gap: .35rem; }
  .pick { position: relative; display:inline-flex; margin:0; font-weight: 600; }
  .pick input { position:absolute; opacity:0; width:100%; height:100%; margin:0; cursor:pointer; }
  .pick span { display:inline-flex; align-items:center; justify-content:center; min-width: 44px; min-height: 44px; border:1px solid var(--accent); border-radius:.5rem; color: var(--accent); background:#fff; }
  .pick input:checked + span { background: var(--accent); color:#fff; }
  .pick input:focus-visible + span { outline: 3px solid #9a6700; outline-offset: 2px; }
  .stars .pick span { border-color: transparent; font-size: 1.9rem; color: #d0d7de; background: transparent; }
  .stars .pick.lit span { color: #bf8700; }
  .stars .pick input:checked + span { background: transparent; color: #bf8700; }
  .ends { margin: 0 0 .35rem; font-size: .9rem; }
  .part { border-top: 1px solid #d0d7de; padding-top: .5rem; margin-top: .75rem; }
  .part:first-of-type { border-top: 0; margin-top: 0; padding-top: 0; }
  #cancel-confirm { position: fixed; left: 0; right: 0; bottom: 0; background: #fff; border-top: 1px solid #d0d7de; box-shadow: 0 -4px 16px rgba(0,0,0,.15); padding: 1rem 1rem calc(1rem + env(safe-area-inset-bottom)); display:flex; flex-direction: column; gap: .75rem; z-index: 10; }
  #cancel-confirm[hidden] { display:none; }
  #cancel-confirm p { margin: 0; font-weight: 600; }
  #cancel-confirm button { width: 100%; min-height: 52px; margin: 0; }
  #cancel-no { background: var(--accent); color: #fff; }
  button:focus-visible, input:focus-visible, textarea:focus-visible { outline: 3px solid #9a6700; outline-offset: 2px; }
  #status { min-height: 1.5rem; font-weight: 600; }
  #status.ok { color: var(--ok); } #status.error { color: var(--bad); }
  .eta { font-size: 1.2rem; font-weight: 700; color: var(--ok); margin: .25rem 0; }
  .muted { color: var(--muted); }
  [hidden] { display:none !important; }
</style>
</head>
<body>
<main>
  <div class="top">
    <p class="company">${esc(company.name)}</p>
    <nav class="langs" aria-label="${esc(t.language)}">${languages}</nav>
  </div>
  <h1 id="heading" tabindex="-1">${esc(t.loading)}</h1>
  <p id="status" role="status" aria-live="polite">${esc(t.loading)}</p>
  <section id="expired" hidden aria-labelledby="heading">
    <p>${esc(t.expired_text)}</p>
    <button class="primary" id="renew" type="button">${esc(t.renew)}</button>
  </section>
  <section id="invalid" hidden aria-labelledby="heading">
    <p>${esc(t.invalid_text)}</p>
  </section>
  <section id="journey" hidden aria-live="polite">
    <p class="eta" id="eta"></p>
    <p class="muted" id="position"></p>
    <p class="maps" id="maps" hidden><a id="map-app" href="#">${esc(t.map_app)}</a><a id="map-web" href="#" target="_blank" rel="noopener noreferrer">${esc(t.map_web)}</a></p>
  </section>
  <section id="visit" hidden aria-labelledby="visit-title">
    <h2 id="visit-title">${esc(t.title)}</h2>
    <dl>
      <dt>${esc(t.field_case)}</dt><dd id="case"></dd>
      <dt>${esc(t.field_service)}</dt><dd id="service"></dd>
      <dt>${esc(t.field_technician)}</dt><dd id="technician"></dd>
      <dt>${esc(t.field_appointment)}</dt><dd id="when"></dd>
    </dl>
  </section>
  <section id="booking" hidden aria-labelledby="booking-title">
    <h2 id="booking-title">${esc(t.choose_title)}</h2>
    <label for="date">${esc(t.day)}</label>
    <input id="date" type="date" required>
    <p class="muted" id="day-label"></p>
    <div class="slots" id="slots" role="group" aria-label="${esc(t.times)}"></div>
    <button class="primary" id="book" type="button" disabled>${esc(t.book)}</button>
  </section>
  <section id="location" hidden aria-labelledby="location-title">
    <h2 id="location-title">${esc(t.location_title)}</h2>
    <button class="primary" id="share" type="button">${esc(t.share_location)}</button>
  </section>
  <section id="cancel" hidden aria-labelledby="cancel-title">
    <h2 id="cancel-title">${esc(t.cancel_title)}</h2>
    <button class="danger" id="cancel-start" type="button">${esc(t.cancel)}</button>
    <div id="cancel-confirm" role="dialog" aria-modal="true" aria-labelledby="cancel-question" hidden>
      <p id="cancel-question"></p>
      <button class="danger" id="cancel-yes" type="button">${esc(t.cancel_confirm)}</button>
      <button id="cancel-no" type="button">${esc(t.cancel_keep)}</button>
    </div>
  </section>
  <section id="feedback" hidden aria-labelledby="feedback-title">
    <h2 id="feedback-title">${esc(t.feedback_title)}</h2>
    <form id="feedback-form">
      <fieldset class="part" id="tech-part">
        <h3>${esc(t.tech_feedback_title)}</h3>
        ${scale("satisfaction", 1, 5, t.satisfaction, t.satisfaction_ends)}
        ${scale("effort", 1, 5, t.effort, t.effort_ends)}
        ${yesNo("identified", t.identified)}
        ${yesNo("clothing", t.clothing)}
        ${yesNo("speedtest", t.speedtest)}
        <label for="extra">${esc(t.extra)}</label>
        <textarea id="extra" name="extra" rows="2" maxlength="2000"></textarea>
      </fieldset>
      <fieldset class="part" id="service-part">
        <h3>${esc(t.service_feedback_title)}</h3>
        ${scale("nps", 0, 10, t.nps, t.nps_ends)}
        ${scale("rating", 1, 5, t.rating, t.rating_ends, true)}
        <label for="comment">${esc(t.comment)}</label>
        <textarea id="comment" name="comment" rows="3" maxlength="2000"></textarea>
      </fieldset>
      <button class="primary" type="submit">${esc(t.send)}</button>
    </form>
  </section>
  <p id="contact" class="muted"></p>
</main>
<script nonce="${nonce}">
(function () {
  var boot = ${boot};
  var t = boot.t;
  var token = location.pathname.split("/").pop();
  var api = "/v1/public/appointments/" + encodeURIComponent(token);
  function $(id) { return document.getElementById(id); }
  function fill(s, v) { return s.replace(/\\{(\\w+)\\}/g, function (m, k) { return v[k] == null ? m : String(v[k]); }); }
  var context = null, chosen = null, loading = 0, timer = 0, failures = 0, stage = "", stopped = false;

  // The company's number as a link a phone dials; without one, where else to turn.
  (function contact() {
    var box = $("contact"), phone = boot.company.phone;
    if (!phone) { box.textContent = fill(t.contact_no_phone, { company: boot.company.name }); return; }
    var parts = fill(t.contact, { company: boot.company.name }).split("{phone}");
    var a = document.createElement("a");
    a.href = "tel:" + phone.replace(/[^+\\d]/g, ""); a.textContent = phone;
    box.append(parts[0], a, parts[1] || "");
  })();

  function say(text, kind) { var s = $("status"); s.textContent = text; s.className = kind || ""; }
  function call(path, options) {
    options = options || {};
    options.headers = { "content-type": "application/json" };
    return fetch(api + path, options).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (body) {
        if (!res.ok) { var e = new Error(body.detail || t.error); e.code = body.code; e.status = res.status; throw e; }
        return body;
      });
    });
  }
  function format(iso, withDate) {
    var o = { timeZone: context.timezone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
    if (withDate) { o.weekday = "long"; o.day = "numeric"; o.month = "long"; o.timeZoneName = "short"; }
    try { return new Intl.DateTimeFormat(boot.locale, o).format(new Date(iso)); } catch (e) { return iso; }
  }
  // A booked arrival window is what was promised: "Monday 7 December, 08:00–10:00 CAT"; else the exact time.
  function when(ctx) {
    var st = ctx.appointment_state, w = st.arrival_window;
    if (st.status === "cancelled") return t.no_visit; // the old time is no longer anyone's plan
    if (!st.starts_at) return t.not_booked;
    if (!w) return format(st.starts_at, true);
    try {
      return new Intl.DateTimeFormat(boot.locale, { timeZone: ctx.timezone, weekday: "long", day: "numeric", month: "long", hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "short" })
        .formatRange(new Date(w.starts_at), new Date(w.ends_at));
    } catch (e) { return format(w.starts_at, true) + " – " + format(w.ends_at); }
  }
  function stageOf(ctx) {
    var s = ctx.appointment_state.status;
    if (ctx.allow_feedback) return ctx.feedback_submitted.technician && ctx.feedback_submitted.service ? "thanks" : "completed";
    if (s === "en_route" || s === "on_site" || s === "in_progress") return s;
    if (s === "cancelled") return ctx.allow_reschedule ? "cancelled" : "cancelled_closed";
    if (s === "confirmed") return "confirmed";
    if (s === "scheduled") return "booked";
    return "choose";
  }
  var HEADINGS = { choose: "heading_choose", booked: "heading_booked", confirmed: "heading_confirmed", en_route: "heading_en_route", on_site: "heading_on_site",
    in_progress: "heading_in_progress", completed: "heading_completed", thanks: "heading_thanks", cancelled: "heading_cancelled", cancelled_closed: "heading_cancelled" };
  function statusText(ctx, st) {
    var who = ctx.technician ? ctx.technician.display_name : t.technician_tba;
    return fill(t["status_" + st], { when: when(ctx), technician: who });
  }
  function render(ctx) {
    context = ctx;
    var st = stageOf(ctx);
    $("case").textContent = ctx.case_number;
    $("service").textContent = ctx.service_name;
    $("technician").textContent = ctx.technician ? ctx.technician.display_name : t.technician_tba;
    $("when").textContent = when(ctx);
    $("visit").hidden = false;
    $("heading").textContent = t[HEADINGS[st]];
    document.title = t[HEADINGS[st]] + " · " + boot.company.name;
    var onTheWay = st === "en_route";
    $("journey").hidden = !onTheWay;
    if (onTheWay) {
      $("eta").textContent = ctx.eta ? fill(t.eta, { from: format(ctx.eta.earliest), to: format(ctx.eta.latest) }) : t.eta_unknown;
      // A distance and map links, never raw coordinates.
      var p = ctx.technician_position;
      $("position").textContent = !p ? "" : p.distance_km != null
        ? fill(t.position, { distance: p.distance_km.toLocaleString(boot.locale, { maximumFractionDigits: 1 }), time: format(p.reported_at) })
        : fill(t.position_no_distance, { time: format(p.reported_at) });
      $("maps").hidden = !p;
      if (p) { $("map-app").href = p.geo_uri; $("map-web").href = p.map_url; }
    }
    $("booking").hidden = !ctx.allow_reschedule;
    $("booking-title").textContent = ctx.appointment_state.status === "scheduled" || ctx.appointment_state.status === "confirmed" ? t.choose_move_title : t.choose_title;
    $("book").textContent = ctx.appointment_state.status === "scheduled" || ctx.appointment_state.status === "confirmed" ? t.move : t.book;
    $("location").hidden = !ctx.allow_location_update;
    $("cancel").hidden = !ctx.allow_cancel;
    // One form: the parts not answered yet. A disabled part is left out of the form's checks.
    var techDone = ctx.feedback_submitted.technician, serviceDone = ctx.feedback_submitted.service;
    $("feedback").hidden = !ctx.allow_feedback || (techDone && serviceDone);
    $("tech-part").hidden = $("tech-part").disabled = techDone;
    $("service-part").hidden = $("service-part").disabled = serviceDone;
    if (st !== stage) {
      var first = stage === "";
      stage = st;
      say(statusText(ctx, st), st === "choose" ? "" : "ok");
      if (!first) $("heading").focus();
      schedule(); // the next look follows the new state's pace
    }
  }
  function mine(date, slot) {
    var st = context.appointment_state;
    var at = st.arrival_window ? st.arrival_window.start_time : st.scheduled_time;
    return st.scheduled_date === date && at && at.slice(0, 5) === slot.start_time.slice(0, 5) && (st.status === "scheduled" || st.status === "confirmed");
  }
  function loadSlots(keepStatus, given) {
    var date = $("date").value;
    var ticket = ++loading;
    chosen = null; $("book").disabled = true;
    var box = $("slots"); while (box.firstChild) box.removeChild(box.firstChild);
    if (!date) return Promise.resolve();
    // The day the page opens on came with the page; any other is asked for.
    var day = given && given.date === date ? Promise.resolve(given.day) : call("/availability?date=" + date);
    return day.then(function (day) {
      if (ticket !== loading) return; // a newer day was picked meanwhile
      // Arrival windows when the operator offers them (the technician keeps an exact time inside), else exact times.
      box.className = day.windows ? "slots windows" : "slots";
      (day.windows || day.slots).forEach(function (slot) {
        var b = document.createElement("button");
        var label = slot.start_time.slice(0, 5);
        var shown = day.windows ? label + "–" + slot.end_time.slice(0, 5) : label;
        b.type = "button";
        if (mine(date, slot)) { b.className = "yours"; b.disabled = true; b.textContent = shown + " · " + t.your_slot; }
        else { b.textContent = shown; b.disabled = !slot.is_available; }
        b.setAttribute("aria-pressed", "false");
        b.addEventListener("click", function () {
          Array.prototype.forEach.call(box.children, function (o) { o.setAttribute("aria-pressed", "false"); });
          b.setAttribute("aria-pressed", "true"); chosen = null; $("book").disabled = true;
          var moving = context.appointment_state.status === "scheduled" || context.appointment_state.status === "confirmed";
          if (moving) { chosen = label; $("book").disabled = false; return; }
          // The time is kept for a few minutes while the customer confirms; nobody else can take it meanwhile.
          call("/hold", { method: "POST", body: JSON.stringify({ date: date, start_time: label }) })
            .then(function (hold) {
              chosen = label; $("book").disabled = false;
              say(t.held_until.replace("{time}", format(hold.expires_at)), "ok");
            })
            .catch(function (e) { say(e.message, "error"); loadSlots(true); });
        });
        box.appendChild(b);
      });
      // The day in the customer's words: its weekday and the zone the times are in, by name.
      var noon = new Date(date + "T12:00:00Z"), zone = day.timezone;
      try {
        zone = new Intl.DateTimeFormat(boot.locale, { timeZone: day.timezone, timeZoneName: "long" }).formatToParts(noon)
          .filter(function (x) { return x.type === "timeZoneName"; })[0].value;
      } catch (e) { /* the zone's id is still a name */ }
      $("day-label").textContent = noon.toLocaleDateString(boot.locale, { weekday: "long", timeZone: "UTC" }) + " · " + zone;
      var open = day.slots.some(function (s) { return s.is_available; });
      var closed = day.closed_code ? t["closed_" + day.closed_code].replace("{name}", day.closed_name ? " (" + day.closed_name + ")" : "") : t.status_no_slots;
      if (!keepStatus) say(open ? t.status_pick : closed);
    }).catch(function (e) { say(e.message, "error"); });
  }
  $("date").addEventListener("change", function () { loadSlots(false); });
  $("book").addEventListener("click", function () {
    var moving = context.appointment_state.status === "scheduled" || context.appointment_state.status === "confirmed";
    $("book").disabled = true;
    call(moving ? "/reschedule" : "/schedule", { method: "POST", body: JSON.stringify({ date: $("date").value, start_time: chosen }) })
      .then(function (ctx) { stage = ""; render(ctx); return loadSlots(true); })
      .catch(function (e) { say(e.message, "error"); $("book").disabled = false; });
  });
  $("share").addEventListener("click", function () {
    if (!navigator.geolocation) return say(t.location_unsupported, "error");
    navigator.geolocation.getCurrentPosition(function (pos) {
      call("/location", { method: "PATCH", body: JSON.stringify({ lat: pos.coords.latitude, lng: pos.coords.longitude }) })
        .then(function () { say(t.location_shared, "ok"); }).catch(function (e) { say(e.message, "error"); });
    }, function () { say(t.location_refused, "error"); });
  });
  // The question sits at the bottom of the screen, its buttons full width under the thumb; keeping the visit is the lowest one.
  $("cancel-start").addEventListener("click", function () {
    $("cancel-question").textContent = fill(t.cancel_question, { when: when(context) });
    $("cancel-confirm").hidden = false; $("cancel-start").hidden = true; $("cancel-no").focus();
  });
  function keepVisit() { $("cancel-confirm").hidden = true; $("cancel-start").hidden = false; $("cancel-start").focus(); }
  $("cancel-no").addEventListener("click", keepVisit);
  document.addEventListener("keydown", function (ev) { if (ev.key === "Escape" && !$("cancel-confirm").hidden) keepVisit(); });
  $("cancel-yes").addEventListener("click", function () {
    call("/cancel", { method: "POST" }).then(function (ctx) {
      $("cancel-confirm").hidden = true; $("cancel-start").hidden = false; render(ctx); return loadSlots(true);
    }).catch(function (e) { say(e.message, "error"); });
  });
  function radio(name) { var r = document.querySelector('input[name="' + name + '"]:checked'); return r ? r.value : ""; }
  // Stars light up to the one chosen.
  document.querySelectorAll('input[name="rating"]').forEach(function (input) {
    input.addEventListener("change", function () {
      document.querySelectorAll('input[name="rating"]').forEach(function (o) { o.parentNode.classList.toggle("lit", Number(o.value) <= Number(input.value)); });
    });
  });
  // One Send: each part not answered yet goes as its own feedback; a part that went through is not sent again.
  $("feedback-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var button = ev.target.querySelector("button[type=submit]");
    var sends = [];
    if (!$("tech-part").disabled) sends.push({ type: "technician", customer_satisfaction: Number(radio("satisfaction")), customer_effort_score: Number(radio("effort")),
      contractor_identified: radio("identified"), branded_clothing: radio("clothing"), speedtest_conducted: radio("speedtest"), extended: $("extra").value || undefined });
    if (!$("service-part").disabled) sends.push({ type: "service", net_promoter_score: Number(radio("nps")), service_rating: Number(radio("rating")), service_feedback: $("comment").value || undefined });
    button.disabled = true;
    sends.reduce(function (done, body) {
      return done.then(function () { return call("/feedback", { method: "POST", body: JSON.stringify(body) }); });
    }, Promise.resolve())
      .then(function () { say(t.feedback_thanks, "ok"); return refresh(); })
      .catch(function (e) { say(e.message, "error"); return refresh(); })
      .then(function () { button.disabled = false; });
  });
  $("renew").addEventListener("click", function () {
    $("renew").disabled = true;
    call("/renew", { method: "POST" }).then(function () { say(t.renew_sent, "ok"); })
      .catch(function (e) { say(e.message, "error"); $("renew").disabled = false; });
  });
  function fail(e) {
    if (e.code === "token_expired" || e.code === "invalid_link") {
      stopped = true;
      var expired = e.code === "token_expired";
      ["visit", "booking", "location", "cancel", "journey", "feedback"].forEach(function (id) { $(id).hidden = true; });
      $(expired ? "expired" : "invalid").hidden = false;
      $("heading").textContent = expired ? t.heading_expired : t.heading_invalid;
      say(""); // the section under the heading says it, once
      return;
    }
    say(e.status ? e.message : t.offline, "error");
  }
  // How often the page looks again: often while the technician is on the way, rarely while waiting for the day.
  var EVERY = { en_route: 15, on_site: 30, in_progress: 30, booked: 60, confirmed: 60, completed: 120, cancelled: 120, choose: 120 };
  function schedule() {
    clearTimeout(timer);
    if (stopped || stage === "thanks" || stage === "cancelled_closed") return;
    var seconds = failures ? Math.min(300, 10 * Math.pow(2, failures)) : EVERY[stage] || 60;
    timer = setTimeout(refresh, seconds * 1000);
  }
  function refresh() {
    return call("").then(function (ctx) { failures = 0; render(ctx); }).catch(function (e) { failures++; fail(e); }).then(schedule);
  }
  document.addEventListener("visibilitychange", function () { if (document.visibilityState === "visible" && !stopped) refresh(); });
  // The first paint draws from what came with the page; only a page without it asks the API.
  var pre = boot.prefetched;
  var first = pre && pre.context ? Promise.resolve(pre.context)
    : pre && pre.problem ? Promise.reject(Object.assign(new Error(pre.problem.detail), { code: pre.problem.code, status: pre.problem.status }))
    : call("");
  first.then(function (ctx) {
    // A language picked with the switch is kept on the customer's record (their texts follow it), then the address is tidied.
    var asked = new URLSearchParams(location.search).get("lang");
    if (asked) {
      history.replaceState(null, "", location.pathname);
      if (asked !== ctx.language) call("/language", { method: "PUT", body: JSON.stringify({ language: asked }) }).catch(function () {});
    }
    render(ctx);
    // Days are the deployment's calendar days, not the phone's.
    function dayIn(ms) { return new Intl.DateTimeFormat("en-CA", { timeZone: ctx.timezone, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(ms)); }
    $("date").min = ctx.first_bookable_date || dayIn(Date.now());
    $("date").max = ctx.last_bookable_date;
    $("date").value = ctx.appointment_state.scheduled_date && ctx.appointment_state.scheduled_date >= $("date").min ? ctx.appointment_state.scheduled_date : $("date").min;
    if (ctx.allow_reschedule) loadSlots(true, pre && pre.first);
  }).catch(fail).then(schedule);
})();
</script>
</body>
</html>`;
}
