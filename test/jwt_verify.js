// jwt_verify.js — an independent HS256 JWT verifier (node's crypto), checking
// a sesami token the way PostgREST does: signature with the shared secret,
// alg HS256, exp in the future, aud when one is expected, plus sesami's
// claims (role sesami_user, sub = a numeric string, iat <= now < exp).
//
// usage: JWT_SECRET=... node jwt_verify.js TOKEN [EXPECTED_AUD]
// Prints the claims as JSON and exits 0, or prints "invalid: why" and exits 1.
"use strict";
const crypto = require("crypto");

function fail(why) {
	console.log("invalid: " + why);
	process.exit(1);
}

const [token, aud] = process.argv.slice(2);
const secret = process.env.JWT_SECRET || "";
if (!token) fail("no token");
if (!secret) fail("no JWT_SECRET");

const parts = token.split(".");
if (parts.length !== 3) fail("not three parts");
const b64url = /^[A-Za-z0-9_-]+$/;
if (!parts.every((p) => b64url.test(p))) fail("not base64url");

const header = JSON.parse(Buffer.from(parts[0], "base64url").toString("utf8"));
if (header.alg !== "HS256") fail("alg is " + header.alg);
if (header.typ !== undefined && header.typ !== "JWT") fail("typ is " + header.typ);

const expected = crypto.createHmac("sha256", secret).update(parts[0] + "." + parts[1]).digest();
const given = Buffer.from(parts[2], "base64url");
if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) fail("bad signature");

const claims = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
const now = Math.floor(Date.now() / 1000);
if (typeof claims.exp !== "number") fail("no exp");
if (claims.exp <= now) fail("expired");
if (typeof claims.iat !== "number" || claims.iat > now + 1) fail("bad iat");
if (claims.role !== "sesami_user") fail("role is " + claims.role);
if (typeof claims.sub !== "string" || !/^[1-9][0-9]*$/.test(claims.sub)) fail("sub is not a numeric string");
if (aud !== undefined && claims.aud !== aud) fail("aud is " + claims.aud);
if (aud === undefined && claims.aud !== undefined) fail("unexpected aud");
console.log(JSON.stringify(claims));
