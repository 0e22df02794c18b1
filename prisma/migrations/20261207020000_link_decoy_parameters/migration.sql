-- Issue 18: each link states the parameters of the decoy-state BB84 key rate
-- (Lo, Ma, Chen, PRL 94, 230504, 2005; server/domain/mesh/link-rate.ts) beside
-- its length, fibre loss and detector efficiency: the dark-count yield Y0, the
-- detector error e_d, the error-correction inefficiency f and the pulse rate.
-- Defaults are the GYS parameters of the paper (decoy-state.ts GYS_PARAMETERS).
-- Existing links keep their surveyed baseline QBER as their detector error
-- (at short distance the model's QBER is about e_d); the console's simulation
-- recomputes their rate from the model on its next tick.
ALTER TABLE "links"
  ADD COLUMN "dark_count_yield" DOUBLE PRECISION NOT NULL DEFAULT 0.0000017,
  ADD COLUMN "detector_error_rate" DOUBLE PRECISION NOT NULL DEFAULT 0.033,
  ADD COLUMN "error_correction_efficiency" DOUBLE PRECISION NOT NULL DEFAULT 1.22,
  ADD COLUMN "pulse_rate_hz" DOUBLE PRECISION NOT NULL DEFAULT 1000000000;

UPDATE "links" SET "detector_error_rate" = LEAST(GREATEST("baseline_qber", 0), 0.11);
