// standin.mjs — a TEST-ONLY stand-in for PostgREST, for the browser tests and
// local use of the web app.  PostgREST itself cannot be installed on these
// machines; the deployment runs real PostgREST.  This gateway does, per
// request, only what PostgREST documents for the routes sesami's web app uses,
// and nothing more, so the app cannot come to depend on anything else:
//
//   - the JWT: HS256 with PGRST_JWT_SECRET, `exp` (30 s of clock skew, as
//     PostgREST allows) and `aud` (PGRST_JWT_AUD when set); no token means the
//     anonymous role (PGRST_DB_ANON_ROLE);
//   - one transaction per request: BEGIN (READ ONLY for GET), SET LOCAL ROLE
//     from the `role` claim, set_config('request.jwt.claims', ..., true);
//   - POST /rpc/fn (named arguments from the JSON body) and GET /rpc/fn (from
//     the query string) on functions of the exposed schema (PGRST_DB_SCHEMAS):
//     a composite result is one JSON object, SETOF a JSON array, a scalar a JSON
//     value, and a function returning a domain named after a media type (such
//     as "image/svg+xml") is answered raw with that Content-Type (406 when the
//     request's Accept does not allow it);
//   - GET /relation with select=, order=, limit=, offset= and col=eq.value
//     filters (what postgrest-js builds for the app's one list);
//   - PostgREST's error JSON {code, message, details, hint} and its SQLSTATE to
//     HTTP status mapping; CORS as PostgREST answers it with no allowed-origins
//     setting (any origin).
//
// usage: node standin.mjs   (environment: PGRST_DB_URI, PGRST_JWT_SECRET,
//        PGRST_JWT_AUD, PGRST_DB_ANON_ROLE, PGRST_DB_SCHEMAS, PGRST_SERVER_PORT)
// Prints "listening PORT" once it accepts connections.
import crypto from "node:crypto";
import http from "node:http";
import pg from "pg";

const env = process.env;
const schema = (env.PGRST_DB_SCHEMAS || "api").split(",")[0].trim();
const anonRole = env.PGRST_DB_ANON_ROLE || "sesami_anon";
const secret = env.PGRST_JWT_SECRET || "";
const audience = env.PGRST_JWT_AUD || "";
const port = Number(env.PGRST_SERVER_PORT || 3000);
const pool = new pg.Pool({ connectionString: env.PGRST_DB_URI, max: 4 });
pool.on("error", () => {}); // an idle connection dropped: the next request reconnects

// An error carrying PostgREST's status and JSON body.
class ApiError extends Error {
  constructor(status, body, headers = {}) {
    super(body.message);
    this.status = status;
    this.body = { code: null, details: null, hint: null, ...body };
    this.headers = headers;
  }
}

// PostgREST's mapping of a PostgreSQL error's SQLSTATE to an HTTP status.
function httpStatus(sqlstate, anonymous) {
  const exact = { "23503": 409, "23505": 409, "25006": 405, P0001: 400, "42883": 404, "42P01": 404, "42P17": 500 };
  if (sqlstate === "42501") return anonymous ? 401 : 403;
  if (/^PT\d{3}$/.test(sqlstate)) return Number(sqlstate.slice(2));
  if (sqlstate in exact) return exact[sqlstate];
  const byClass = {
    "08": 503, "09": 500, "0L": 403, "0P": 403, "25": 500, "28": 403, "2D": 500, "38": 500, "39": 500,
    "3B": 500, "40": 500, "53": 503, "54": 500, "55": 500, "57": 500, "58": 500, F0: 500, HV: 500,
    P0: 500, XX: 500,
  };
  return byClass[sqlstate.slice(0, 2)] ?? 400;
}

// The `role` and claims of the request's bearer token (anonymous without one).
function authenticate(req) {
  const auth = req.headers.authorization;
  if (!auth) return { role: anonRole, claims: { role: anonRole }, anonymous: true };
  const bad = (message, code = "PGRST301") =>
    new ApiError(401, { code, message }, {
      "WWW-Authenticate": `Bearer error="invalid_token", error_description="${message}"`,
    });
  const m = /^Bearer (.+)$/i.exec(auth);
  const parts = m ? m[1].trim().split(".") : [];
  if (parts.length !== 3) throw bad("Expected 3 parts in JWT; got " + parts.length);
  let header, claims;
  try {
    header = JSON.parse(Buffer.from(parts[0], "base64url").toString());
    claims = JSON.parse(Buffer.from(parts[1], "base64url").toString());
  } catch {
    throw bad("JWT cryptographic operation failed");
  }
  if (header.alg !== "HS256") throw bad("Wrong or unsupported encoding algorithm");
  const want = crypto.createHmac("sha256", secret).update(parts[0] + "." + parts[1]).digest();
  const got = Buffer.from(parts[2], "base64url");
  if (got.length !== want.length || !crypto.timingSafeEqual(got, want))
    throw bad("JWT cryptographic operation failed");
  const now = Date.now() / 1000;
  if (typeof claims.exp === "number" && now - 30 >= claims.exp) throw bad("JWT expired", "PGRST303");
  if (audience && claims.aud !== undefined) {
    const auds = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!auds.includes(audience)) throw bad("JWT not in audience", "PGRST303");
  }
  const role = typeof claims.role === "string" && claims.role ? claims.role : anonRole;
  return { role, claims, anonymous: role === anonRole };
}

// Run fn(client) in one PostgREST-shaped transaction for the caller.
async function inRequest(who, readOnly, fn) {
  let client;
  try {
    client = await pool.connect();
  } catch (e) {
    throw new ApiError(503, { code: "PGRST000", message: "Database connection error. Retrying the connection.", details: e.message });
  }
  try {
    await client.query(readOnly ? "BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY" : "BEGIN ISOLATION LEVEL READ COMMITTED");
    await client.query("SET LOCAL ROLE " + client.escapeIdentifier(who.role));
    await client.query("SELECT set_config('search_path', $1, true), set_config('request.jwt.claims', $2, true)",
      [client.escapeIdentifier(schema) + ", public", JSON.stringify(who.claims)]);
    const out = await fn(client);
    await client.query("COMMIT");
    return out;
  } catch (e) {
    await client.query("ROLLBACK").catch(() => {});
    if (e instanceof ApiError) throw e;
    if (typeof e.code === "string" && /^[0-9A-Z]{5}$/.test(e.code))
      throw new ApiError(httpStatus(e.code, who.anonymous),
        { code: e.code, message: e.message, details: e.detail ?? null, hint: e.hint ?? null });
    throw e;
  } finally {
    client.release();
  }
}

// POST/GET /rpc/NAME: call the function with named arguments.
async function callFunction(client, name, args, accept) {
  const { rows } = await client.query(
    `SELECT p.proargnames AS names, p.proargmodes AS modes, p.pronargs AS nargs, p.pronargdefaults AS ndefaults,
            ARRAY(SELECT format_type(t, NULL) FROM unnest(p.proargtypes) t) AS types,
            p.proretset AS retset, t.typtype, t.typname
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_type t ON t.oid = p.prorettype
      WHERE n.nspname = $1 AND p.proname = $2`, [schema, name]);
  const given = Object.keys(args);
  const fits = rows.find((r) => {
    const names = (r.names || []).slice(0, r.nargs);
    const required = names.slice(0, r.nargs - r.ndefaults);
    return given.every((k) => names.includes(k)) && required.every((k) => given.includes(k));
  });
  if (!fits)
    throw new ApiError(404, {
      code: "PGRST202",
      message: `Could not find the function ${schema}.${name}(${given.sort().join(", ")}) in the schema cache`,
      details: "Searched for the function with the given argument names, but no matches were found.",
    });
  const names = (fits.names || []).slice(0, fits.nargs);
  const values = [];
  const params = given.map((k, i) => {
    const v = args[k];
    values.push(v === null ? null : typeof v === "object" ? JSON.stringify(v) : String(v));
    return `${client.escapeIdentifier(k)} := $${i + 1}::${fits.types[names.indexOf(k)]}`;
  });
  const call = `${client.escapeIdentifier(schema)}.${client.escapeIdentifier(name)}(${params.join(", ")})`;
  if (fits.retset) {
    const r = await client.query(`SELECT coalesce(jsonb_agg(_r), '[]') AS body FROM ${call} _r`, values);
    return { type: "application/json; charset=utf-8", body: JSON.stringify(r.rows[0].body) };
  }
  if (fits.typtype === "c") {
    const r = await client.query(`SELECT to_jsonb(_r) AS body FROM ${call} _r`, values);
    return { type: "application/json; charset=utf-8", body: JSON.stringify(r.rows[0].body) };
  }
  if (fits.typtype === "d" && fits.typname.includes("/")) {
    const [major] = fits.typname.split("/");
    const wanted = (accept || "*/*").split(",").map((a) => a.split(";")[0].trim());
    if (!wanted.some((a) => a === "*/*" || a === fits.typname || a === `${major}/*`))
      throw new ApiError(406, { code: "PGRST107", message: `None of these media types are available: ${accept}` });
    const r = await client.query(`SELECT ${call}::text AS body`, values);
    return { type: fits.typname, body: r.rows[0].body ?? "" };
  }
  const r = await client.query(`SELECT to_jsonb(${call}) AS body`, values);
  return { type: "application/json; charset=utf-8", body: JSON.stringify(r.rows[0].body) };
}

// GET /RELATION?select=&order=&limit=&offset=&col=eq.value
async function readRelation(client, relation, query) {
  const ident = (s) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(s))
      throw new ApiError(400, { code: "PGRST100", message: `"failed to parse" ${s}` });
    return client.escapeIdentifier(s);
  };
  const select = query.get("select");
  const columns = !select || select === "*" ? "*" : select.split(",").map((c) => ident(c.trim())).join(", ");
  const values = [];
  const where = [];
  let order = "";
  let limit = "";
  for (const [k, v] of query) {
    if (k === "select") continue;
    if (k === "order") {
      order = " ORDER BY " + v.split(",").map((term) => {
        const [col, ...mods] = term.split(".");
        const sql = [ident(col)];
        for (const m of mods) {
          const kw = { asc: "ASC", desc: "DESC", nullsfirst: "NULLS FIRST", nullslast: "NULLS LAST" }[m];
          if (!kw) throw new ApiError(400, { code: "PGRST100", message: `"failed to parse order (${v})"` });
          sql.push(kw);
        }
        return sql.join(" ");
      }).join(", ");
    } else if (k === "limit" || k === "offset") {
      if (!/^\d+$/.test(v)) throw new ApiError(400, { code: "PGRST100", message: `"failed to parse ${k} (${v})"` });
      limit += ` ${k.toUpperCase()} ${v}`;
    } else if (v.startsWith("eq.")) {
      values.push(v.slice(3));
      where.push(`${ident(k)}::text = $${values.length}`);
    } else {
      throw new ApiError(400, { code: "PGRST100", message: `"failed to parse filter (${v})"` });
    }
  }
  const sql = `SELECT coalesce(jsonb_agg(_r), '[]') AS body, count(*) AS n FROM (SELECT ${columns} FROM ` +
    `${client.escapeIdentifier(schema)}.${ident(relation)}${where.length ? " WHERE " + where.join(" AND ") : ""}` +
    `${order}${limit}) _r`;
  const r = await client.query(sql, values);
  const n = Number(r.rows[0].n);
  return {
    type: "application/json; charset=utf-8",
    body: JSON.stringify(r.rows[0].body),
    headers: { "Content-Range": n ? `0-${n - 1}/*` : "*/*" },
  };
}

// CORS headers PostgREST sends (no server-cors-allowed-origins: any origin).
function corsHeaders(req) {
  const origin = req.headers.origin;
  if (!origin) return {};
  return {
    "Access-Control-Allow-Origin": origin,
    "Access-Control-Allow-Credentials": "true",
    "Access-Control-Expose-Headers":
      "Content-Encoding, Content-Location, Content-Range, Content-Type, Date, Location, Server, Transfer-Encoding, Range-Unit",
  };
}

async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return Buffer.concat(chunks).toString();
}

async function handle(req, res) {
  const url = new URL(req.url, "http://standin");
  const cors = corsHeaders(req);
  if (req.method === "OPTIONS") {
    res.writeHead(200, {
      ...cors,
      "Access-Control-Allow-Methods": "GET, POST, PATCH, PUT, DELETE, OPTIONS, HEAD",
      "Access-Control-Allow-Headers":
        req.headers["access-control-request-headers"] || "Authorization, Content-Type, Accept, Accept-Language, Content-Language",
      "Access-Control-Max-Age": "86400",
    });
    return res.end();
  }
  try {
    const who = authenticate(req);
    const path = url.pathname.replace(/^\/+/, "").split("/");
    let out;
    if (path.length === 2 && path[0] === "rpc" && (req.method === "POST" || req.method === "GET")) {
      let args = {};
      if (req.method === "POST") {
        const text = await readBody(req);
        try {
          args = text ? JSON.parse(text) : {};
        } catch (e) {
          throw new ApiError(400, { code: "PGRST102", message: "Empty or invalid json", details: e.message });
        }
        if (args === null || typeof args !== "object" || Array.isArray(args))
          throw new ApiError(400, { code: "PGRST102", message: "Empty or invalid json" });
      } else {
        args = Object.fromEntries(url.searchParams);
      }
      out = await inRequest(who, req.method === "GET", (c) => callFunction(c, path[1], args, req.headers.accept));
    } else if (path.length === 1 && path[0] && req.method === "GET") {
      out = await inRequest(who, true, (c) => readRelation(c, path[0], url.searchParams));
    } else {
      throw new ApiError(404, { code: "PGRST125", message: "Invalid path specified in request URL" });
    }
    res.writeHead(200, { ...cors, ...(out.headers || {}), "Content-Type": out.type });
    res.end(out.body);
  } catch (e) {
    const err = e instanceof ApiError ? e : new ApiError(500, { code: "PGRST000", message: String(e.message || e) });
    if (err.status >= 500) console.error(`${req.method} ${req.url}: ${err.status} ${JSON.stringify(err.body)}`);
    res.writeHead(err.status, { ...cors, ...err.headers, "Content-Type": "application/json; charset=utf-8" });
    res.end(JSON.stringify(err.body));
  }
}

const server = http.createServer((req, res) => {
  handle(req, res).catch(() => res.destroy());
});
server.listen(port, "127.0.0.1", () => console.log("listening " + server.address().port));
for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => { server.close(); pool.end(); process.exit(0); });
