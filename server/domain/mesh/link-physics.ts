/**
 * The thresholds and health of a QKD link (../shared/DOMAIN.md): BB84 aborts
 * above about 11 % QBER (Lo-Ma asymptotic bound), so a link over it is
 * compromised; an intercept-resend eavesdropper pushes QBER to about 25 %.
 * The key rate and the baseline QBER themselves come from the decoy-state BB84
 * model with each link's stated parameters: see link-rate.ts and decoy-state.ts
 * (the former R0 * 10^(-alpha*L/10) formula is gone).
 */
/** Above this QBER a link is flagged (rotation trigger in the rotation issue). */
export const QBER_WARNING = 0.05;
/** BB84 aborts above this QBER (Lo-Ma asymptotic bound): the link is compromised. */
export const QBER_ABORT = 0.11;
/** Below this secret key rate a channel is not worth setting up (bypass planning). */
export const MIN_USABLE_RATE_BPS = 10_000;

export type LinkHealth = "healthy" | "warning" | "compromised" | "down";

export function linkHealth(status: string, qber: number): LinkHealth {
  if (status === "DOWN") return "down";
  if (qber > QBER_ABORT) return "compromised";
  if (qber > QBER_WARNING) return "warning";
  return "healthy";
}

/**
 * The health of a stored link: its QBER, except that a DEGRADED link stays in
 * "warning" until the simulation clears it (it applies hysteresis around the
 * threshold, see server/mesh/simulation/link-dynamics.ts).
 */
export function storedHealth(status: string, qber: number): LinkHealth {
  const raw = linkHealth(status, qber);
  return raw === "healthy" && status === "DEGRADED" ? "warning" : raw;
}
