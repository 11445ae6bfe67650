/**
 * SCH-5: the page behind the SMS link. Small (no framework, no external requests), mobile-first,
 * accessible (labels, focus order, an aria-live status line), and it speaks only the public
 * appointment API with the token from its own URL.
 */
export function appointmentPage(nonce: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Book your visit · truckroll</title>
<style nonce="${nonce}">
  :root { --fg:#1b1f24; --muted:#57606a; --accent:#0b5cad; --ok:#116329; --bad:#a40e26; --bg:#f6f8fa; }
  * { box-sizing: border-box; }
  body { margin:0; font:16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--fg); background:var(--bg); }
  main { max-width: 34rem; margin: 0 auto; padding: 1rem; }
  h1 { font-size: 1.35rem; margin: .25rem 0 1rem; }
  h2 { font-size: 1.1rem; margin: 1.25rem 0 .5rem; }
  section { background:#fff; border:1px solid #d0d7de; border-radius: .75rem; padding: 1rem; margin-bottom: 1rem; }
  dl { display:grid; grid-template-columns: auto 1fr; gap:.25rem .75rem; margin:0; }
  dt { color: var(--muted); }
  dd { margin:0; font-weight: 600; }
  label { display:block; font-weight:600; margin-bottom:.25rem; }
  input, select, textarea { font: inherit; width:100%; padding:.6rem; border:1px solid #8c959f; border-radius:.5rem; }
  .slots { display:grid; grid-template-columns: repeat(auto-fill, minmax(5.5rem, 1fr)); gap:.5rem; margin-top:.75rem; }
  button { font: inherit; min-height: 44px; border-radius:.5rem; border:1px solid var(--accent); background:#fff; color:var(--accent); padding:.5rem .75rem; cursor:pointer; }
  button[aria-pressed="true"] { background: var(--accent); color:#fff; }
  button:disabled { border-color:#d0d7de; color:#8c959f; cursor:not-allowed; text-decoration: line-through; }
  button.primary { background: var(--accent); color:#fff; width:100%; margin-top: .75rem; }
  button.primary:disabled { background:#eaeef2; color:#57606a; text-decoration:none; }
  button:focus-visible, input:focus-visible { outline: 3px solid #ffb000; outline-offset: 2px; }
  #status { min-height: 1.5rem; font-weight: 600; }
  #status.ok { color: var(--ok); } #status.error { color: var(--bad); }
  [hidden] { display:none !important; }
</style>
</head>
<body>
<main>
  <h1>Book your technician visit</h1>
  <p id="status" role="status" aria-live="polite">Loading…</p>
  <section id="visit" hidden aria-labelledby="visit-title">
    <h2 id="visit-title">Your visit</h2>
    <dl>
      <dt>Case</dt><dd id="case"></dd>
      <dt>Service</dt><dd id="service"></dd>
      <dt>Technician</dt><dd id="technician"></dd>
      <dt>Appointment</dt><dd id="when"></dd>
    </dl>
  </section>
  <section id="booking" hidden aria-labelledby="booking-title">
    <h2 id="booking-title">Choose a time</h2>
    <label for="date">Day</label>
    <input id="date" type="date" required>
    <div class="slots" id="slots" role="group" aria-label="Available times"></div>
    <button class="primary" id="book" type="button" disabled>Book this time</button>
  </section>
  <section id="location" hidden aria-labelledby="location-title">
    <h2 id="location-title">Help the technician find you</h2>
    <button class="primary" id="share" type="button">Share my location</button>
  </section>
  <section id="feedback" hidden aria-labelledby="feedback-title">
    <h2 id="feedback-title">How did we do?</h2>
    <form id="feedback-form">
      <label for="nps">How likely are you to recommend us? (0–10)</label>
      <input id="nps" name="nps" type="number" min="0" max="10" required>
      <label for="rating">Rate the service (1–5)</label>
      <input id="rating" name="rating" type="number" min="1" max="5" required>
      <label for="comment">Anything else?</label>
      <textarea id="comment" name="comment" rows="3" maxlength="2000"></textarea>
      <button class="primary" type="submit">Send feedback</button>
    </form>
  </section>
</main>
<script nonce="${nonce}">
(() => {
  const token = location.pathname.split("/").pop();
  const api = "/v1/public/appointments/" + encodeURIComponent(token);
  const $ = (id) => document.getElementById(id);
  let context = null, chosen = null, loading = 0;

  function say(text, kind) { const s = $("status"); s.textContent = text; s.className = kind || ""; }
  async function call(path, options) {
    const res = await fetch(api + path, { ...options, headers: { "content-type": "application/json" } });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(body.detail || "Something went wrong. Please try again.");
    return body;
  }
  function describe(ctx) {
    const st = ctx.appointment_state;
    return st.scheduled_date ? st.scheduled_date + " at " + st.scheduled_time.slice(0, 5) + (st.confirmed ? " (confirmed)" : "") : "Not booked yet";
  }
  function render(ctx) {
    context = ctx;
    $("case").textContent = ctx.case_number;
    $("service").textContent = ctx.service_type;
    $("technician").textContent = ctx.technician ? ctx.technician.display_name : "To be assigned";
    $("when").textContent = describe(ctx);
    $("visit").hidden = false;
    $("booking").hidden = !ctx.allow_reschedule;
    $("book").textContent = ctx.appointment_state.scheduled_date ? "Move my visit to this time" : "Book this time";
    $("location").hidden = !ctx.allow_location_update;
    $("feedback").hidden = !ctx.allow_feedback || ctx.feedback_submitted.service;
  }
  async function loadSlots(keepStatus) {
    const date = $("date").value;
    const mine = ++loading;
    chosen = null; $("book").disabled = true;
    const box = $("slots"); box.replaceChildren();
    if (!date) return;
    try {
      const day = await call("/availability?date=" + date);
      if (mine !== loading) return; // a newer day was picked meanwhile
      for (const slot of day.slots) {
        const b = document.createElement("button");
        b.type = "button"; b.textContent = slot.start_time.slice(0, 5); b.disabled = !slot.is_available;
        b.setAttribute("aria-pressed", "false");
        b.addEventListener("click", () => {
          for (const other of box.children) other.setAttribute("aria-pressed", "false");
          b.setAttribute("aria-pressed", "true"); chosen = slot.start_time.slice(0, 5); $("book").disabled = false;
        });
        box.append(b);
      }
      if (!keepStatus) say(day.slots.some((s) => s.is_available) ? "Pick a time." : "No free times that day; try another day.");
    } catch (e) { say(e.message, "error"); }
  }
  $("date").addEventListener("change", () => loadSlots(false));
  $("book").addEventListener("click", async () => {
    const rescheduling = Boolean(context.appointment_state.scheduled_date);
    $("book").disabled = true;
    try {
      const ctx = await call(rescheduling ? "/reschedule" : "/schedule", { method: "POST", body: JSON.stringify({ date: $("date").value, start_time: chosen }) });
      render(ctx); say("Booked: " + describe(ctx) + ". We will text you a reminder.", "ok");
      await loadSlots(true); // refresh the times without wiping the confirmation
    } catch (e) { say(e.message, "error"); $("book").disabled = false; }
  });
  $("share").addEventListener("click", () => {
    if (!navigator.geolocation) return say("Your browser cannot share a location.", "error");
    navigator.geolocation.getCurrentPosition(async (pos) => {
      try { await call("/location", { method: "PATCH", body: JSON.stringify({ lat: pos.coords.latitude, lng: pos.coords.longitude }) }); say("Location shared. Thank you!", "ok"); }
      catch (e) { say(e.message, "error"); }
    }, () => say("Location permission was refused.", "error"));
  });
  $("feedback-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      await call("/feedback", { method: "POST", body: JSON.stringify({ type: "service", net_promoter_score: Number($("nps").value), service_rating: Number($("rating").value), service_feedback: $("comment").value || undefined }) });
      $("feedback").hidden = true; say("Thank you for your feedback!", "ok");
    } catch (e) { say(e.message, "error"); }
  });
  call("").then((ctx) => {
    render(ctx);
    // Days are the deployment's calendar days, not the phone's.
    const dayIn = (ms) => new Intl.DateTimeFormat("en-CA", { timeZone: ctx.timezone, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(ms));
    const today = dayIn(Date.now());
    const max = dayIn(Date.now() + 30 * 864e5);
    Object.assign($("date"), { min: today, max, value: ctx.appointment_state.scheduled_date || today });
    say(ctx.allow_reschedule ? "Choose a day and a time." : "Your visit: " + describe(ctx));
    if (ctx.allow_reschedule) loadSlots(false);
  }).catch((e) => say(e.message, "error"));
})();
</script>
</body>
</html>`;
}
