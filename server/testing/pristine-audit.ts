/**
 * Tamper tests: a pristine copy of the audit tables, kept in a schema of its
 * own, restored before each case so every case tampers with the untouched
 * chain. `c` is the attacker's connection (superuser, triggers off).
 */
import type pg from "pg";

export async function keepPristineAudit(c: pg.Client): Promise<void> {
  await c.query(`CREATE SCHEMA pristine;
    CREATE TABLE pristine.audit_entries AS TABLE public.audit_entries;
    CREATE TABLE pristine.audit_head AS TABLE public.audit_head`);
}

export async function restorePristineAudit(c: pg.Client): Promise<void> {
  await c.query(`BEGIN;
    DELETE FROM public.audit_entries;
    INSERT INTO public.audit_entries SELECT * FROM pristine.audit_entries;
    UPDATE public.audit_head h SET seq = p.seq, hash = p.hash, updated_at = p.updated_at FROM pristine.audit_head p WHERE h.id = p.id;
    COMMIT`);
}
