// Micro-benchmark behind bench/README.md's note on JWT verification: jose's jwtVerify with the raw
// secret (as services/gateway/src/tokens.ts passes it) against a CryptoKey imported once.
// Run: npx tsx bench/experiments/jwt-verify.ts
import { SignJWT, jwtVerify } from 'jose';

const CALLS = 20_000;
const secret = new TextEncoder().encode('a benchmark secret of at least thirty-two characters');
const key = await crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
const token = await new SignJWT({ role: 'CUSTOMER' })
  .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
  .setSubject('01a20d63-996f-71e5-a5c4-2361b750421d')
  .setIssuer('emporium-gateway')
  .setAudience('emporium')
  .setIssuedAt()
  .setExpirationTime('1h')
  .sign(secret);
const options = { issuer: 'emporium-gateway', audience: 'emporium', algorithms: ['HS256'] };

async function microsPerVerify(verifyKey: Parameters<typeof jwtVerify>[1]): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < CALLS; i++) await jwtVerify(token, verifyKey, options);
  return ((performance.now() - started) * 1000) / CALLS;
}

for (let round = 1; round <= 3; round++) {
  const raw = await microsPerVerify(secret);
  const imported = await microsPerVerify(key);
  process.stdout.write(`round ${round}: raw secret ${raw.toFixed(1)} µs/verify, imported CryptoKey ${imported.toFixed(1)} µs/verify\n`);
}
