/**
 * Delivers approval notices to QECNET_NOTIFY_WEBHOOK as a JSON POST, after
 * the change committed and never inside its transaction: notify() only queues
 * and returns. Each notice is retried with exponential backoff (a 5xx, 429,
 * timeout or refused connection) up to maxAttempts, then dropped with a log
 * line; a 4xx other than 429 is not retried. With QECNET_NOTIFY_WEBHOOK_SECRET
 * the body is signed (x-qecnet-signature: sha256=<HMAC of the body>), so a
 * receiver can tell the console's notices from forged ones. Logs name the
 * notice and the HTTP status, never the body.
 */
import { createHmac } from "node:crypto";
import { approvalNotice, type ApprovalNotice, type NoticeFacts } from "./approval-notice";

export interface ApprovalNotifier {
  notify(facts: NoticeFacts): void;
}

export interface WebhookOptions {
  url: string;
  secret?: string | null;
  publicUrl?: string | null;
  maxAttempts?: number;
  /** Wait before attempt n+1 (n = 1, 2, ...). */
  backoffMs?: (attempt: number) => number;
  timeoutMs?: number;
  /** Notices waiting at once; beyond it the newest is dropped (and logged). */
  maxPending?: number;
  fetch?: typeof fetch;
  log?: { warn: (obj: object, msg: string) => void; error: (obj: object, msg: string) => void };
}

export const SIGNATURE_HEADER = "x-qecnet-signature";

export class WebhookNotifier implements ApprovalNotifier {
  private pending = 0;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly opts: WebhookOptions) {}

  notify(facts: NoticeFacts): void {
    const notice = approvalNotice(facts, this.opts.publicUrl ?? null);
    if (this.pending >= (this.opts.maxPending ?? 1000)) {
      this.opts.log?.error({ noticeId: notice.noticeId }, "approval notice dropped: too many undelivered notices");
      return;
    }
    this.pending += 1;
    const p = this.deliver(notice).finally(() => {
      this.pending -= 1;
      this.inFlight.delete(p);
    });
    this.inFlight.add(p);
  }

  /** Tests and shutdown: resolves when every queued notice was delivered or given up. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private async deliver(notice: ApprovalNotice): Promise<void> {
    const body = JSON.stringify(notice);
    const headers: Record<string, string> = { "content-type": "application/json", "user-agent": "qecnet-console" };
    if (this.opts.secret) headers[SIGNATURE_HEADER] = `sha256=${createHmac("sha256", this.opts.secret).update(body).digest("hex")}`;
    const max = this.opts.maxAttempts ?? 6;
    const backoff = this.opts.backoffMs ?? ((n: number) => Math.min(60_000, 500 * 2 ** (n - 1)));
    const doFetch = this.opts.fetch ?? fetch;
    for (let attempt = 1; attempt <= max; attempt++) {
      let status = 0;
      try {
        const res = await doFetch(this.opts.url, { method: "POST", headers, body, signal: AbortSignal.timeout(this.opts.timeoutMs ?? 5000), redirect: "error" });
        status = res.status;
        await res.body?.cancel().catch(() => undefined);
        if (res.ok) return;
        if (status >= 400 && status < 500 && status !== 429) {
          this.opts.log?.error({ noticeId: notice.noticeId, status }, "approval notice refused by the webhook; not retried");
          return;
        }
      } catch (err) {
        status = 0;
        this.opts.log?.warn({ noticeId: notice.noticeId, attempt, error: (err as Error).name }, "approval notice not delivered; will retry");
      }
      if (attempt < max) await new Promise((r) => setTimeout(r, backoff(attempt)));
      else this.opts.log?.error({ noticeId: notice.noticeId, status, attempts: max }, "approval notice given up after retries");
    }
  }
}
