/**
 * The pages behind the links truckroll sends about an account: choose a new password, confirm a new
 * email or phone, undo a change of them. Built like the visit page: one small HTML document, no
 * framework, no external requests, a nonce'd script and style under a strict policy, never cached.
 * The token arrives in the URL's query and is removed from the address bar at once; the page posts
 * it to the public API and shows the answer.
 */
export type AccountPageKind = "reset" | "verify" | "undo";

const PAGES: Record<
  AccountPageKind,
  { title: string; intro: string; button: string; endpoint: string; password: boolean }
> = {
  reset: {
    title: "Choose a new password",
    intro: "Type a new password for your account. Every device signed in to it will be signed out.",
    button: "Save the new password",
    endpoint: "/v1/auth/password/reset",
    password: true,
  },
  verify: {
    title: "Confirm your new contact details",
    intro: "Confirm that this email address or phone number is yours. Your previous one will be told of the change.",
    button: "Confirm",
    endpoint: "/v1/auth/contact/verify",
    password: false,
  },
  undo: {
    title: "Undo a change to your account",
    intro:
      "If you did not change your email address or phone number, undo it here. Everyone signed in to the account will be signed out.",
    button: "Undo the change",
    endpoint: "/v1/auth/contact/undo",
    password: false,
  },
};

export function accountPage(nonce: string, kind: AccountPageKind, company: { name: string }): string {
  const page = PAGES[kind];
  const esc = (s: string) =>
    s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
  const boot = JSON.stringify({ endpoint: page.endpoint, password: page.password }).replace(/</g, "\\u003c");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(page.title)} · ${esc(company.name)}</title>
<style nonce="${nonce}">
  body { margin:0; font:16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:#1b1f24; background:#f6f8fa; }
  main { max-width: 30rem; margin: 0 auto; padding: 1rem; }
  .company { color:#57606a; margin:0; font-weight:600; }
  h1 { font-size:1.35rem; margin:.25rem 0 .75rem; }
  form { background:#fff; border:1px solid #d0d7de; border-radius:.75rem; padding:1rem; }
  label { display:block; font-weight:600; margin:.75rem 0 .25rem; }
  input { width:100%; font:inherit; padding:.6rem; border:1px solid #8c959f; border-radius:.5rem; box-sizing:border-box; }
  button { margin-top:1rem; width:100%; min-height:44px; font:inherit; font-weight:600; color:#fff; background:#0b5cad; border:0; border-radius:.5rem; }
  button[disabled] { opacity:.6; }
  #status { margin-top:1rem; min-height:1.5rem; }
  .ok { color:#116329; } .bad { color:#a40e26; }
  [hidden] { display:none; }
</style>
</head>
<body>
<main>
  <p class="company">${esc(company.name)}</p>
  <h1 id="heading">${esc(page.title)}</h1>
  <form id="form" novalidate>
    <p>${esc(page.intro)}</p>
    ${
      page.password
        ? `<label for="password">New password</label>
    <input id="password" name="password" type="password" autocomplete="new-password" minlength="8" maxlength="128" required>
    <label for="again">The same password again</label>
    <input id="again" name="again" type="password" autocomplete="new-password" required>`
        : ""
    }
    <button id="submit" type="submit">${esc(page.button)}</button>
    <p id="status" role="status" aria-live="polite"></p>
  </form>
  <noscript><p>This page needs JavaScript to send your request.</p></noscript>
</main>
<script nonce="${nonce}">
(() => {
  const boot = ${boot};
  const params = new URLSearchParams(location.search);
  const token = params.get("token") || "";
  // The token is a credential: off the address bar (and out of history) at once.
  history.replaceState(null, "", location.pathname);
  const form = document.getElementById("form");
  const status = document.getElementById("status");
  const button = document.getElementById("submit");
  const say = (text, ok) => { status.textContent = text; status.className = ok ? "ok" : "bad"; };
  if (!token) { say("This link is incomplete. Open the link from your message again.", false); button.disabled = true; return; }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { token };
    if (boot.password) {
      const password = document.getElementById("password").value;
      if (password.length < 8) return say("Use at least 8 characters.", false);
      if (password !== document.getElementById("again").value) return say("The two passwords differ.", false);
      body.new_password = password;
    }
    button.disabled = true;
    say("Sending…", true);
    try {
      const res = await fetch(boot.endpoint, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      const answer = await res.json().catch(() => ({}));
      if (res.ok) { say(answer.message || "Done.", true); form.querySelectorAll("input").forEach((i) => (i.disabled = true)); return; }
      say(answer.detail || "That did not work. Ask for a new link.", false);
    } catch {
      say("No connection. Try again.", false);
    }
    button.disabled = false;
  });
})();
</script>
</body>
</html>`;
}
