/**
 * The step-up link (step-up-link.ts): a call refused for want of a second
 * factor is sent once more without asking (a request that left before the
 * session proved its factor comes back refused although the session is proven
 * by then; second-factor.spec failed in CI on the dialog such a refusal
 * opened), and only a call refused again opens the dialog; after the user
 * proves the factor it is sent a last time, and a cancel gives the caller the
 * refusal. Other errors pass straight through.
 */
import { TRPCClientError, type Operation } from "@trpc/client";
import { observable } from "@trpc/server/observable";
import { describe, expect, it } from "vitest";
import { registerStepUpPrompt, stepUpLink } from "./step-up-link";

const refusal = (domainCode: string) =>
  new TRPCClientError(`refused: ${domainCode}`, { result: { error: { data: { domainCode } } } } as never);

/** Runs one call through the link against a server answering `answers` in turn (an Error is a refusal). */
function call(answers: Array<string | Error>, type: Operation["type"] = "mutation") {
  let sent = 0;
  const op = { id: 1, type, path: "keys.revoke", input: {}, context: {}, signal: null } as unknown as Operation;
  const next = () =>
    observable<{ result: { data: string } }, TRPCClientError<never>>((o) => {
      const a = answers[Math.min(sent, answers.length - 1)]!;
      sent += 1;
      if (a instanceof Error) o.error(a as TRPCClientError<never>);
      else {
        o.next({ result: { data: a } });
        o.complete();
      }
    });
  const link = stepUpLink()({} as never);
  const result = new Promise<string>((resolve, reject) => {
    link({ op, next: next as never }).subscribe({
      next: (v) => resolve((v as { result: { data: string } }).result.data),
      error: (e) => reject(e),
    });
  });
  return { result, sent: () => sent };
}

/** Runs `body` with a prompt registered that answers `answer` and counts how often it was asked. */
async function withPrompt(answer: boolean, body: (asked: () => number) => Promise<void>): Promise<void> {
  let asked = 0;
  const off = registerStepUpPrompt(async () => {
    asked += 1;
    return answer;
  });
  try {
    await body(() => asked);
  } finally {
    off();
  }
}

describe("step-up link", () => {
  it("re-sends a SECOND_FACTOR_REQUIRED refusal once without asking; the dialog stays shut when that one passes", async () => {
    await withPrompt(true, async (asked) => {
      const c = call([refusal("SECOND_FACTOR_REQUIRED"), "ok"]);
      await expect(c.result).resolves.toBe("ok");
      expect(c.sent()).toBe(2);
      expect(asked()).toBe(0);
    });
  });

  it("asks when the re-sent call is refused too, then sends it once more after the factor is proven", async () => {
    await withPrompt(true, async (asked) => {
      const c = call([refusal("SECOND_FACTOR_REQUIRED"), refusal("SECOND_FACTOR_REQUIRED"), "voted"]);
      await expect(c.result).resolves.toBe("voted");
      expect(c.sent()).toBe(3);
      expect(asked()).toBe(1);
    });
  });

  it("gives the caller the refusal when the user cancels, and never asks a third time", async () => {
    await withPrompt(false, async (asked) => {
      const c = call([refusal("SECOND_FACTOR_REQUIRED")]);
      await expect(c.result).rejects.toThrow("refused: SECOND_FACTOR_REQUIRED");
      expect(c.sent()).toBe(2);
      expect(asked()).toBe(1);
    });
  });

  it("passes other refusals through at once, and never re-sends a subscription", async () => {
    const other = call([refusal("FORBIDDEN")]);
    await expect(other.result).rejects.toThrow("refused: FORBIDDEN");
    expect(other.sent()).toBe(1);
    const sub = call([refusal("SECOND_FACTOR_REQUIRED")], "subscription");
    await expect(sub.result).rejects.toThrow("refused: SECOND_FACTOR_REQUIRED");
    expect(sub.sent()).toBe(1);
  });
});
