#!/usr/bin/env node
// CPU time of one password hash at the parameters src/lib/passwords.ts uses (scrypt N=2^14, r=8, p=5),
// measured with process.cpuUsage around synchronous hashes, and the wall time of a real login
// against a running worker if one answers on localhost:8787.
import { randomBytes, scryptSync } from "node:crypto";

const runs = 20;
scryptSync("warm-up", randomBytes(16), 32, { N: 2 ** 14, r: 8, p: 5, maxmem: 64 * 1024 * 1024 });
const before = process.cpuUsage();
for (let i = 0; i < runs; i++) scryptSync(`password-${i}`, randomBytes(16), 32, { N: 2 ** 14, r: 8, p: 5, maxmem: 64 * 1024 * 1024 });
const used = process.cpuUsage(before);
console.log(`scrypt N=2^14 r=8 p=5: ${((used.user + used.system) / 1000 / runs).toFixed(1)} ms CPU per hash (Node ${process.version}, ${runs} runs)`);

try {
  const times = [];
  for (let i = 0; i < 10; i++) {
    const t = performance.now();
    const res = await fetch("http://localhost:8787/v1/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json", "cf-connecting-ip": `10.9.9.${i}` },
      body: JSON.stringify({ identifier: `bench-nobody-${i}`, password: "wrong-password" }),
    });
    await res.text();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  console.log(`login (unknown user, decoy hash) through wrangler dev: median ${times[5].toFixed(1)} ms wall`);
} catch {
  console.log("no worker on localhost:8787; start `npm run dev` to time a real login too");
}
