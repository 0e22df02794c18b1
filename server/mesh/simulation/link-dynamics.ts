/**
 * How links evolve over simulated time, pure. QBER follows an Ornstein-Uhlenbeck
 * process around its baseline (or around 25% while an intercept-resend
 * eavesdropper is on the link: the decoy-state model's intercept-resend QBER for
 * the link's parameters, about 25 %), sampled exactly for any step length so
 * that a catch-up after a restart is as valid as a one-second tick. The pool
 * fills at the link's current secret key rate, the decoy-state model's rate at
 * the current QBER (link-rate.ts: it falls with QBER and is zero well before
 * the intercept-resend level), up to its capacity. Severed links neither fill
 * nor move.
 */
import { linkHealth, storedHealth, QBER_ABORT, QBER_WARNING, type LinkHealth } from "../../domain/mesh/link-physics";
import { operatingPoint, rateAtQber } from "../../domain/mesh/link-rate";
import type { MeshLink } from "../../domain/mesh/mesh-model";
import type { Prng } from "../../domain/mesh/prng";

/** Mean reversion per second: normal noise relaxes in ~5 s, an eavesdropper shows within ~2 s. */
const THETA_NORMAL = 0.2;
const THETA_ATTACK = 0.8;
/** Stationary standard deviation of QBER around its mean, relative to the mean. */
const RELATIVE_SPREAD = 0.12;

/**
 * Hysteresis: a link leaves a worse health only once QBER is clearly back
 * (one point under the threshold it crossed), so noise around a threshold
 * does not fill the audit log with flapping alarms.
 */
export const QBER_HYSTERESIS = 0.01;

export function healthWithHysteresis(previous: LinkHealth, status: string, qber: number): LinkHealth {
  const raw = linkHealth(status, qber);
  if (raw === "down" || previous === "down") return raw;
  if (previous === "compromised" && raw !== "compromised" && qber > QBER_ABORT - QBER_HYSTERESIS) return "compromised";
  if (previous !== "healthy" && raw === "healthy" && qber > QBER_WARNING - QBER_HYSTERESIS) return "warning";
  return raw;
}

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
  const previousHealth = storedHealth(l.status, l.qber);
  if (l.status === "DOWN" || dtSeconds <= 0) {
    return { linkId: l.id, qber: l.qber, poolBits: l.poolBits, secretKeyRateBps: l.secretKeyRateBps, status: l.status, health: previousHealth, previousHealth };
  }
  const mean = l.eavesdropper ? operatingPoint(l).eavesdropperQber : l.baselineQber;
  const theta = l.eavesdropper ? THETA_ATTACK : THETA_NORMAL;
  const decay = Math.exp(-theta * dtSeconds);
  const spread = RELATIVE_SPREAD * mean * Math.sqrt(1 - decay * decay);
  const qber = Math.min(0.5, Math.max(0.001, mean + (l.qber - mean) * decay + spread * rng.normal()));
  const rate = rateAtQber(l, qber);
  // Trapezoid over the step: the rate moved from the old value to the new one.
  const gained = ((rateAtQber(l, l.qber) + rate) / 2) * dtSeconds;
  const poolBits = Math.min(l.poolCapacityBits, Math.round(l.poolBits + gained));
  const health = healthWithHysteresis(previousHealth, "UP", qber);
  const status = health === "healthy" ? "UP" : "DEGRADED";
  return { linkId: l.id, qber, poolBits, secretKeyRateBps: rate, status, health, previousHealth };
}
