/**
 * How far the booth clock is from the server's, from one request: the server stamped `serverMs`
 * somewhere between the booth's send (`sentMs`) and receive (`receivedMs`) times, so the best
 * estimate is against the midpoint and the uncertainty is half the round trip.
 */
export function clockSkew(sentMs: number, receivedMs: number, serverMs: number): { skewMs: number; uncertaintyMs: number } {
  const mid = (sentMs + receivedMs) / 2;
  return { skewMs: serverMs - mid, uncertaintyMs: (receivedMs - sentMs) / 2 };
}

/** True when the skew exceeds `maxMs` even allowing for the measurement's uncertainty. */
export function isSkewed(s: { skewMs: number; uncertaintyMs: number }, maxMs: number): boolean {
  return Math.abs(s.skewMs) - s.uncertaintyMs > maxMs;
}
