// journey.mjs — the web app's browser test, run by test/web.test.sh (which
// sets up the database, the worker and the GitHub double).  Starts the
// PostgREST stand-in and the static server itself (so it can stop and restart
// the API), drives Debian's chromium with playwright-core through the whole
// journey — sign in, submit, watch progress, the result against
// api.job_result, cancel, profile, opt in, the card, sign out — and the error
// paths, checks keyboard use, labels, focus, widths, colour schemes and the
// console, and saves screenshots.  Prints "ok - ..." / "not ok - ...".
import { execFileSync, spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const env = process.env;
const here = path.dirname(fileURLToPath(import.meta.url));
const standinDir = path.join(here, "..", "postgrest");
const webUrl = `http://127.0.0.1:${env.WEB_PORT}/`;
const apiUrl = `http://127.0.0.1:${env.API_PORT}`;
let failed = 0;

const ok = (what) => console.log(`ok - ${what}`);
function notok(what, detail) {
  console.log(`not ok - ${what}`);
  if (detail !== undefined) console.log(`#   ${String(detail).split("\n").join("\n#   ")}`);
  failed = 1;
}
const check = (what, cond, detail) => (cond ? ok(what) : notok(what, detail));
const same = (what, got, want) =>
  got === want ? ok(what) : notok(what, `got:  ${JSON.stringify(got)}\nwant: ${JSON.stringify(want)}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- helpers: the database, the servers ----
const psql = (...commands) =>
  execFileSync("psql", ["-X", "-qAt", "-v", "ON_ERROR_STOP=1", "-d", env.DB, ...commands.flatMap((c) => ["-c", c])], {
    encoding: "utf8",
  }).trim();
// One request the PostgREST way as account ACCOUNT: the SQL's output.
const asUser = (account, sql) =>
  psql(
    "BEGIN",
    `SELECT set_config('request.jwt.claims', '{"sub": "${account}", "role": "sesami_user"}', true) IS NULL`,
    "SET LOCAL ROLE sesami_user",
    sql,
    "COMMIT",
  )
    .split("\n")
    .slice(1)
    .join("\n");

function start(args, extraEnv) {
  const child = spawn("node", args, { env: { ...env, ...extraEnv }, stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      if (out.includes("listening")) resolve(child);
    });
    child.on("exit", (code) => reject(new Error(`${args[0]} exited (${code})`)));
  });
}
const startApi = () =>
  start([path.join(standinDir, "standin.mjs")], {
    PGRST_SERVER_PORT: env.API_PORT,
    PGRST_JWT_SECRET: env.JWT_SECRET,
    PGRST_DB_ANON_ROLE: "sesami_anon",
    PGRST_DB_SCHEMAS: "api",
  });
function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.removeAllListeners("exit");
    child.on("exit", resolve);
    child.kill("SIGTERM");
  });
}

// A signed HS256 token, as sesami and PostgREST make them.
function jwt(claims) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const head = b64({ alg: "HS256", typ: "JWT" }) + "." + b64(claims);
  return head + "." + crypto.createHmac("sha256", env.JWT_SECRET).update(head).digest("base64url");
}

// What the app shows for a number, a share and a time (web/src/format.ts).
const fmtCount = (n) => new Intl.NumberFormat("en").format(n);
const fmtShare = (s) => `${(s * 100).toFixed(1)} %`;
const fmtWhen = (iso) => (iso ? new Date(iso).toISOString().slice(0, 16).replace("T", " ") + " UTC" : "—");

// ---- the browser ----
let api = await startApi();
const web = await start([path.join(standinDir, "static.mjs"), env.WEB_DIST, env.WEB_PORT, apiUrl,
  env.GITHUB_CLIENT_ID, env.GITHUB_URL]);
const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), "sesami-chromium-"));
const context = await chromium.launchPersistentContext(profileDir, {
  executablePath: "/usr/bin/chromium",
  headless: false,
  args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  viewport: { width: 1280, height: 900 },
});
const page = context.pages()[0] ?? (await context.newPage());
page.setDefaultTimeout(15_000);

// Console errors, each with the step it happened in; the error paths expect
// the browser's own "Failed to load resource" lines for their status.
let phase = "start";
const consoleErrors = [];
page.on("console", (m) => m.type() === "error" && consoleErrors.push({ phase, text: m.text() }));
page.on("pageerror", (e) => consoleErrors.push({ phase, text: "uncaught: " + e.message }));
const expectedErrors = {
  csp: /^Executing inline script violates the following Content Security Policy|^Refused to execute inline script/,
  refused: /^Failed to load resource: the server responded with a status of 400/,
  expired: /^Failed to load resource: the server responded with a status of 401/,
  down: /^Failed to load resource: net::ERR_CONNECTION_REFUSED/,
};

const shots = [];
async function screenshots(name) {
  for (const width of [375, 1280]) {
    await page.setViewportSize({ width, height: 900 });
    await sleep(150);
    const file = path.join(env.ARTIFACTS, `${name}-${width}.png`);
    await page.screenshot({ path: file, fullPage: true });
    shots.push(file);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(`${name} page: nothing wider than the window at ${width} px`, overflow <= 0, `${overflow} px too wide`);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}
async function inputsLabelled(name) {
  const unlabelled = await page.evaluate(() =>
    [...document.querySelectorAll("input, select, textarea")]
      .filter((i) => i.labels.length === 0 && !i.getAttribute("aria-label") && !i.getAttribute("aria-labelledby"))
      .map((i) => i.id || i.name || i.type),
  );
  same(`${name} page: every input has a label`, unlabelled.join(","), "");
}
const text = (sel) => page.locator(sel).first().innerText();
const jobItem = (repo) => page.locator("li.job", { has: page.locator(".job-repo", { hasText: new RegExp(`^${repo}$`) }) });

async function signInWithKeyboard(what) {
  await page.getByRole("button", { name: "Sign in with GitHub" }).waitFor();
  await page.keyboard.press("Tab");
  const focus = await page.evaluate(() => {
    const el = document.activeElement;
    const cs = getComputedStyle(el);
    return { text: el.textContent, outline: cs.outlineStyle, width: parseFloat(cs.outlineWidth) };
  });
  check(`${what}: Tab reaches "Sign in with GitHub" and its focus ring shows`,
    focus.text === "Sign in with GitHub" && focus.outline !== "none" && focus.width >= 2, JSON.stringify(focus));
  await Promise.all([page.waitForURL((u) => u.toString().startsWith(webUrl) && !u.search), page.keyboard.press("Enter")]);
  await page.locator(".who").waitFor();
}

try {
  // ---- sign in ----
  phase = "signin";
  await page.goto(webUrl);
  await page.getByRole("button", { name: "Sign in with GitHub" }).waitFor();
  phase = "csp";
  const inlineRan = await page.evaluate(() => {
    const el = document.createElement("script");
    el.textContent = "window.__sesamiInline = 1";
    document.body.append(el);
    el.remove();
    return "__sesamiInline" in window;
  });
  check("the app is served under the strict CSP (an inline script is refused)",
    !inlineRan && consoleErrors.some((e) => e.phase === "csp" && e.text.includes("Content Security Policy")));
  phase = "signin";
  await screenshots("signin");
  const navigations = [];
  page.on("request", (r) => r.isNavigationRequest() && navigations.push(r.url()));
  await signInWithKeyboard("sign-in");
  const authorize = navigations.find((u) => u.startsWith(env.GITHUB_URL + "/login/oauth/authorize")) ?? "";
  const state = new URL(authorize || "http://x/").searchParams.get("state") ?? "";
  check("sign-in goes to GitHub's authorize page with the client id and a random state",
    authorize.includes(`client_id=${env.GITHUB_CLIENT_ID}`) && /^[0-9a-f]{32}$/.test(state), authorize);
  same("back from GitHub, the app is signed in as the GitHub user", await text(".who strong"), "bob");
  const account = psql("SELECT id FROM sesami.accounts WHERE login = 'bob'");
  const firstSession = JSON.parse(await page.evaluate(() => sessionStorage.getItem("sesami.session")));
  check("the session token (from /rpc/login_github) is kept in sessionStorage",
    typeof firstSession?.token === "string" && firstSession.token.split(".").length === 3);
  same("the code and state are gone from the address bar", new URL(page.url()).search, "");
  await page.reload();
  same("a reload keeps the session", await text(".who strong"), "bob");
  await inputsLabelled("home");

  // a GitHub return whose state this tab did not send is refused
  phase = "badstate";
  const forged = new URL(webUrl);
  forged.searchParams.set("code", "user:4242:bob:forged");
  forged.searchParams.set("state", "0123456789abcdef0123456789abcdef");
  const page2 = await context.newPage();
  page2.on("console", (m) => m.type() === "error" && consoleErrors.push({ phase, text: m.text() }));
  await page2.goto(forged.toString());
  const forgedMsg = await page2.getByRole("alert").first().innerText();
  check("a return from GitHub with a state this tab did not send is refused, with a message",
    forgedMsg.includes("state did not match"), forgedMsg);
  await page2.close();

  // ---- a refused URL shows the API's message next to the field ----
  phase = "refused";
  const bad = "http://github.com/acme/widgets";
  const apiAnswer = await (await fetch(`${apiUrl}/rpc/submit_analysis`, {
    method: "POST",
    headers: { Authorization: `Bearer ${firstSession.token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ repo_url: bad }),
  })).json();
  await page.locator("#repo-url").focus();
  await page.keyboard.type(bad);
  await page.keyboard.press("Enter");
  await page.locator("#repo-url-error").waitFor();
  const shown = await text("#repo-url-error");
  check("a refused URL: the API's message and details show next to the field",
    apiAnswer.code === "22023" && shown.includes(apiAnswer.message) && shown.includes(apiAnswer.details),
    `API: ${JSON.stringify(apiAnswer)}\nshown: ${shown}`);
  same("the field is marked invalid and points at the message",
    await page.locator("#repo-url").getAttribute("aria-describedby"), "repo-url-error");

  // ---- submit (keyboard only) and watch progress ----
  phase = "submit";
  await page.locator("#repo-url").fill("");
  await page.keyboard.type("https://github.com/acme/big");
  await page.keyboard.press("Enter");
  await jobItem("acme/big").waitFor();
  const seen = new Set();
  const t0 = Date.now();
  let status = "";
  while (Date.now() - t0 < 60_000) {
    const item = jobItem("acme/big");
    status = await item.locator(".status").textContent().catch(() => "");
    const v = Number(await item.locator("progress").getAttribute("value").catch(() => "0"));
    const stage = await item.locator(".job-stage").innerText().catch(() => "");
    seen.add(`${status}|${v > 0 && v < 1 ? "between" : v}|${stage}`);
    if (status === "completed") break;
    await sleep(100);
  }
  const watched = [...seen];
  same("the job list updates by itself until the job completes", status, "completed");
  check("while it ran the list showed it processing with a stage and a part-filled progress bar",
    watched.some((s) => s.startsWith("processing|between|Stage: ")), watched.join("\n"));
  await page.locator("#repo-url").fill("https://github.com/acme/widgets");
  await page.getByRole("button", { name: "Analyse" }).click();
  await jobItem("acme/widgets").locator(".status", { hasText: "completed" }).waitFor({ timeout: 60_000 });
  ok("a second job runs to completed");
  const order = await page.locator("li.job .job-repo").allInnerTexts();
  same("jobs are listed newest first", order.slice(0, 2).join(","), "acme/widgets,acme/big");
  await screenshots("jobs");

  // ---- the result equals api.job_result ----
  phase = "result";
  const widgetsJob = psql("SELECT id FROM sesami.jobs WHERE repo_name = 'widgets'");
  await page.getByRole("link", { name: "View the result of acme/widgets" }).click();
  await page.locator('[data-testid="lines"]').waitFor();
  const doc = JSON.parse(asUser(account, `SELECT api.job_result(${widgetsJob})`));
  const u = doc.user;
  const figures = {};
  for (const k of ["lines", "share", "commits", "additions", "deletions", "first", "last"])
    figures[k] = await text(`[data-testid="${k}"]`);
  same("result: the person's lines, share, commits, additions, deletions, first and last commit equal api.job_result",
    JSON.stringify(figures),
    JSON.stringify({ lines: fmtCount(u.lines), share: fmtShare(u.share), commits: fmtCount(u.commits),
      additions: fmtCount(u.additions), deletions: fmtCount(u.deletions), first: fmtWhen(u.first_commit),
      last: fmtWhen(u.last_commit) }));
  check("the person wrote part of acme/widgets (the numbers are not zeros)", u.lines > 0 && u.commits === 1);
  const authorRows = await page.locator("table.authors tbody tr").allInnerTexts();
  same("result: the top authors with their lines and shares",
    authorRows.map((r) => r.replace(/\s+/g, " ").trim()).join(" / "),
    doc.authors.slice(0, 10).map((a) => `${a.name}${a.is_user ? " you" : ""} ${fmtCount(a.lines)} ${fmtShare(a.share)} ${fmtCount(a.commits)}`).join(" / "));
  const canvases = await page.locator("figure.chart canvas").count();
  same("result: two charts (the repository's languages, the person's lines by language)", canvases, 2);
  const langRows = await page.locator("figure.chart").first().locator("tbody th").allInnerTexts();
  same("result: the repository's languages in the chart's table", langRows.join(","),
    doc.languages.languages.slice(0, 12).map((l) => l.name).join(","));
  const mine = await page.locator("figure.chart").nth(1).locator("tbody tr").allInnerTexts();
  same("result: the person's lines by language", mine.map((r) => r.replace(/\s+/g, " ").trim()).join(","),
    u.by_language.map((l) => `${l.language} ${fmtCount(l.lines)}`).join(","));
  const react = page.locator(".technologies li", { hasText: "React" }).locator("a").first();
  same("result: technologies with evidence linking to the file on GitHub at the analysed commit",
    await react.getAttribute("href"), `https://github.com/acme/widgets/blob/${doc.repo.head}/package.json`);
  const skipped = await page.locator("#skipped-heading").isVisible();
  check("result: the skipped files section and when it ran", skipped &&
    (await page.locator(".result > p.muted").innerText()).includes(fmtWhen(
      asUser(account, `SELECT to_json(finished_at) #>> '{}' FROM api.jobs WHERE id = ${widgetsJob}`))));
  await screenshots("result");

  // ---- cancel a running job (its clone stalls) ----
  phase = "cancel";
  await page.getByRole("link", { name: "Analyse", exact: true }).click();
  await page.locator("#repo-url").fill("https://github.com/acme/stall");
  await page.keyboard.press("Enter");
  const stall = jobItem("acme/stall");
  await stall.locator(".status", { hasText: "processing" }).waitFor({ timeout: 30_000 });
  await stall.locator(".job-stage", { hasText: "Stage: clone" }).waitFor();
  ok("a job whose clone stalls shows processing, stage clone");
  await stall.getByRole("button", { name: "Cancel acme/stall" }).focus();
  await page.keyboard.press("Enter");
  await stall.locator(".status", { hasText: "cancelled" }).waitFor();
  same("the cancel button cancels it (the database agrees)",
    psql("SELECT status FROM sesami.jobs WHERE repo_name = 'stall'"), "cancelled");
  await page.getByText("All analyses have finished.").waitFor();
  ok("with every job terminal the list says so (polling stops)");

  // ---- the token is refreshed before it expires (sesami.jwt_ttl = 100s here) ----
  phase = "refresh";
  const left = Date.parse(firstSession.expires_at) - Date.now();
  await page.waitForFunction(
    (old) => JSON.parse(sessionStorage.getItem("sesami.session") || "{}").token !== old,
    firstSession.token, { timeout: Math.max(left - 20_000, 5_000) },
  ).catch(() => {});
  const refreshed = JSON.parse(await page.evaluate(() => sessionStorage.getItem("sesami.session")));
  check("the session token is refreshed (/rpc/refresh_token) before it expires",
    refreshed.token !== firstSession.token && Date.parse(refreshed.expires_at) > Date.parse(firstSession.expires_at));

  // ---- profile, opt in, the card ----
  phase = "profile";
  await page.getByRole("link", { name: "Profile" }).click();
  await page.locator('[data-testid="lines"]').waitFor();
  const profile = JSON.parse(asUser(account, "SELECT api.profile()"));
  same("profile: repositories, lines and commits equal api.profile()",
    [await text('[data-testid="repositories"]'), await text('[data-testid="lines"]'), await text('[data-testid="commits"]')].join("|"),
    [fmtCount(profile.repositories), fmtCount(profile.lines), fmtCount(profile.commits)].join("|"));
  same("profile: the card is private until the person opts in", await page.locator("img.card").count(), 0);
  const sw = page.getByRole("switch", { name: "Show my card publicly" });
  await sw.focus();
  await page.keyboard.press("Space");
  await page.locator("img.card").waitFor();
  same("the opt-in switch makes the profile public (set_profile_public)",
    JSON.parse(asUser(account, "SELECT api.profile()")).public, true);
  const img = await page.locator("img.card").evaluate(async (el) => {
    await el.decode().catch(() => {});
    return { w: el.naturalWidth, complete: el.complete, src: el.src };
  });
  check("the card renders as an <img> (GET /rpc/card, image/svg+xml)", img.complete && img.w > 0, JSON.stringify(img));
  const res = await fetch(img.src);
  same("the card is served as image/svg+xml", res.headers.get("content-type"), "image/svg+xml");
  same("the Markdown snippet embeds the card", await page.locator("#card-markdown").inputValue(),
    `![sesami](${apiUrl}/rpc/card?login=bob)`);
  await inputsLabelled("profile");
  await screenshots("profile");

  // ---- the API goes down, then comes back ----
  phase = "down";
  await page.getByRole("link", { name: "Analyse", exact: true }).click();
  await page.locator("li.job").first().waitFor();
  await stop(api);
  await page.reload();
  await page.getByText("The sesami API cannot be reached").first().waitFor();
  ok("with the API down the page says so (no blank page)");
  await screenshots("api-down");
  api = await startApi();
  await page.getByText("The sesami API cannot be reached").first().waitFor({ state: "detached", timeout: 20_000 });
  check("when the API is back the message goes and the jobs are listed again",
    (await page.locator("li.job").count()) === 3);

  // ---- sign out, sign in again ----
  phase = "signout";
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByText("You have signed out.").waitFor();
  check("sign out: back to the sign-in page, the token forgotten",
    (await page.evaluate(() => sessionStorage.getItem("sesami.session"))) === null);
  await page.reload();
  await signInWithKeyboard("signing in again");

  // ---- an expired token leads to sign-in with a message ----
  phase = "expired";
  const stored = JSON.parse(await page.evaluate(() => sessionStorage.getItem("sesami.session")));
  const now = Math.floor(Date.now() / 1000);
  const expired = jwt({ role: "sesami_user", sub: String(account), iat: now - 4000, exp: now - 600 });
  await page.evaluate((s) => sessionStorage.setItem("sesami.session", s),
    JSON.stringify({ ...stored, token: expired }));
  await page.reload();
  await page.getByText("Your session has expired. Please sign in again.").waitFor();
  check("an expired token (401 from the API) leads to the sign-in page with a message",
    await page.getByRole("button", { name: "Sign in with GitHub" }).isVisible());
  await screenshots("expired");

  // ---- the dark scheme ----
  phase = "dark";
  await page.emulateMedia({ colorScheme: "dark" });
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  same("prefers-color-scheme: dark gives the dark scheme", bg, "rgb(18, 18, 18)");
  await screenshots("signin-dark");
  await page.emulateMedia({ colorScheme: "light" });
} catch (e) {
  notok(`the journey stopped in step "${phase}"`, e.stack);
  await page.screenshot({ path: path.join(env.ARTIFACTS, `failure-${phase}.png`), fullPage: true }).catch(() => {});
}

const unexpected = consoleErrors.filter((e) => !(expectedErrors[e.phase]?.test(e.text)));
same("no console errors (no CSP violation, no uncaught exception) outside the error paths' own HTTP failures",
  unexpected.map((e) => `${e.phase}: ${e.text}`).join("\n"), "");
await context.close();
await stop(api);
await stop(web);
fs.rmSync(profileDir, { recursive: true, force: true });
for (const s of shots) console.log(`# screenshot: ${s}`);
process.exit(failed);
