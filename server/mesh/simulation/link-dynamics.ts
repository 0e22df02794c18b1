/**
 * How links evolve over simulated time, pure. QBER follows an Ornstein-Uhlenbeck
 * process around its baseline (or around 25% while an intercept-resend
 * eavesdropper is on the link), sampled exactly for any step length so that a
 * catch-up after a restart is as valid as a one-second tick. The pool fills at
 * the link's current secret key rate (which falls with QBER and is zero above
 * the abort threshold) up to its capacity. Severed links neither fill nor move.
 */
import { currentKeyRate, linkHealth, nominalKeyRate, QBER_INTERCEPT_RESEND, QBER_WARNING, type LinkHealth } from "../topology/link-physics";
import type { MeshLink } from "../topology/mesh-model";
import type { Prng } from "../topology/prng";

/** Mean reversion per second: normal noise relaxes in ~5 s, an eavesdropper shows within ~2 s. */
const THETA_NORMAL = 0.2;
const THETA_ATTACK = 0.8;
/** Stationary standard deviation of QBER around its mean, relative to the mean. */
const RELATIVE_SPREAD = 0.12;

export interface LinkStep {
  linkId: string;
  qber: number;
  poolBits: number;
  secretKeyRateBps: number;
  status: MeshLink["status"];
  health: LinkHealth;
  previousHealth: LinkHealth;
}

export function stepLink(l: MeshLink, dtSeconds: number, rng: Prng): LinkStep {
  const previousHealth = linkHealth(l.status, l.qber);
  if (l.status === "DOWN" || dtSeconds <= 0) {
    return { linkId: l.id, qber: l.qber, poolBits: l.poolBits, secretKeyRateBps: l.secretKeyRateBps, status: l.status, health: previousHealth, previousHealth };
  }
  const mean = l.eavesdropper ? QBER_INTERCEPT_RESEND : l.baselineQber;
  const theta = l.eavesdropper ? THETA_ATTACK : THETA_NORMAL;
  const decay = Math.exp(-theta * dtSeconds);
  const spread = RELATIVE_SPREAD * mean * Math.sqrt(1 - decay * decay);
  const qber = Math.min(0.5, Math.max(0.001, mean + (l.qber - mean) * decay + spread * rng.normal()));
  const nominal = nominalKeyRate(l);
  const rate = currentKeyRate(nominal, l.baselineQber, qber);
  // Trapezoid over the step: the rate moved from the old value to the new one.
  const gained = ((currentKeyRate(nominal, l.baselineQber, l.qber) + rate) / 2) * dtSeconds;
  const poolBits = Math.min(l.poolCapacityBits, Math.round(l.poolBits + gained));
  const status = qber > QBER_WARNING ? "DEGRADED" : "UP";
  return { linkId: l.id, qber, poolBits, secretKeyRateBps: rate, status, health: linkHealth(status, qber), previousHealth };
}
