// Runs CORS scenarios with fetch() and reports what the script could read.
// The top page (index.html) runs its own scenarios and hands the others to iframes
// on other origins (runner.html, or a sandboxed srcdoc whose origin is "null").
"use strict";

const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;
const SCENARIO_TIMEOUT_MS = 20000;

class Blocked extends Error {}

// fetch() that tells a CORS block (a TypeError) apart from anything else.
async function cfetch(url, init) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 10000);
  try {
    // No cache mode: "no-store" would also bypass the preflight cache under test.
    return await fetch(url, Object.assign({signal: controller.signal}, init || {}));
  } catch (e) {
    if (e instanceof TypeError) throw new Blocked(String(e));
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

// How many requests of each method the server under test saw for a path.
async function count(base, path) {
  const r = await fetch(base + "/__count?path=" + encodeURIComponent(path), {cache: "no-store"});
  return await r.json();
}

function sleep(ms) { return new Promise((resolve) => setTimeout(resolve, ms)); }

function timeout(ms) {
  return new Promise((_, reject) => setTimeout(() => reject(new Error("scenario timed out")), ms));
}

async function runOne(s, ctx) {
  const result = {name: s.name, frame: s.frame, outcome: null, read: {}, error: null};
  try {
    const body = new AsyncFunction("ctx", "read", s.code);
    await Promise.race([body(ctx, result.read), timeout(SCENARIO_TIMEOUT_MS)]);
    result.outcome = "readable";
  } catch (e) {
    result.outcome = e instanceof Blocked ? "blocked" : "error";
    result.error = String(e);
  }
  return result;
}

// Slow scenarios (they wait out a cache window) run alongside the others.
async function runList(list, ctx) {
  const background = list.filter((s) => s.parallel).map((s) => runOne(s, ctx));
  const results = [];
  for (const s of list.filter((s) => !s.parallel)) results.push(await runOne(s, ctx));
  return results.concat(await Promise.all(background));
}

if (window.parent !== window) {
  window.addEventListener("message", async (event) => {
    if (!event.data || event.data.kind !== "run") return;
    const results = await runList(event.data.scenarios, event.data.ctx);
    window.parent.postMessage({kind: "results", results: results}, "*");
  });
  window.parent.postMessage({kind: "ready"}, "*");
}
